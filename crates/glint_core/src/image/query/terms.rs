//! The vocabulary of list queries: sort keys and directions, the image columns filters apply
//! to, comparison operators, filters, and the member-status and visibility selections.

use crate::image::{MemberStatus, Visibility};
use crate::{Error, Timestamp};

/// A key the list may be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Status,
    ContainerFormat,
    DiskFormat,
    Size,
    Id,
    CreatedAt,
    UpdatedAt,
}

impl SortKey {
    const ALL: [SortKey; 8] = [
        SortKey::Name,
        SortKey::Status,
        SortKey::ContainerFormat,
        SortKey::DiskFormat,
        SortKey::Size,
        SortKey::Id,
        SortKey::CreatedAt,
        SortKey::UpdatedAt,
    ];

    /// The wire (and column) name.
    pub fn as_str(self) -> &'static str {
        self.column().as_str()
    }

    /// The column sorted on.
    pub fn column(self) -> Column {
        match self {
            SortKey::Name => Column::Name,
            SortKey::Status => Column::Status,
            SortKey::ContainerFormat => Column::ContainerFormat,
            SortKey::DiskFormat => Column::DiskFormat,
            SortKey::Size => Column::Size,
            SortKey::Id => Column::Id,
            SortKey::CreatedAt => Column::CreatedAt,
            SortKey::UpdatedAt => Column::UpdatedAt,
        }
    }

    pub(super) fn parse(key: &str) -> Result<Self, Error> {
        SortKey::ALL
            .into_iter()
            .find(|k| k.as_str() == key)
            .ok_or_else(|| {
                let known: Vec<&str> = SortKey::ALL.iter().map(|k| k.as_str()).collect();
                Error::InvalidInput(format!(
                    "Invalid sort key: {key}. It must be one of the following: {}.",
                    known.join(", ")
                ))
            })
    }
}

/// A sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDir {
    Asc,
    Desc,
}

impl SortDir {
    /// `asc` or `desc`.
    pub fn as_str(self) -> &'static str {
        match self {
            SortDir::Asc => "asc",
            SortDir::Desc => "desc",
        }
    }

    pub(super) fn parse(dir: &str) -> Result<Self, Error> {
        match dir {
            "asc" => Ok(SortDir::Asc),
            "desc" => Ok(SortDir::Desc),
            _ => Err(Error::InvalidInput(format!(
                "Invalid sort direction: {dir}"
            ))),
        }
    }
}

/// An image column a filter applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Id,
    Name,
    Status,
    ContainerFormat,
    DiskFormat,
    Owner,
    Size,
    VirtualSize,
    MinRam,
    MinDisk,
    Checksum,
    OsHashValue,
    OsHashAlgo,
    CreatedAt,
    UpdatedAt,
}

impl Column {
    const ALL: [Column; 15] = [
        Column::Id,
        Column::Name,
        Column::Status,
        Column::ContainerFormat,
        Column::DiskFormat,
        Column::Owner,
        Column::Size,
        Column::VirtualSize,
        Column::MinRam,
        Column::MinDisk,
        Column::Checksum,
        Column::OsHashValue,
        Column::OsHashAlgo,
        Column::CreatedAt,
        Column::UpdatedAt,
    ];

    /// The attribute's wire name, which is also its column name.
    pub fn as_str(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Name => "name",
            Column::Status => "status",
            Column::ContainerFormat => "container_format",
            Column::DiskFormat => "disk_format",
            Column::Owner => "owner",
            Column::Size => "size",
            Column::VirtualSize => "virtual_size",
            Column::MinRam => "min_ram",
            Column::MinDisk => "min_disk",
            Column::Checksum => "checksum",
            Column::OsHashValue => "os_hash_value",
            Column::OsHashAlgo => "os_hash_algo",
            Column::CreatedAt => "created_at",
            Column::UpdatedAt => "updated_at",
        }
    }

    /// Whether the column holds integers (size, virtual_size, min_ram, min_disk).
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            Column::Size | Column::VirtualSize | Column::MinRam | Column::MinDisk
        )
    }

    pub(super) fn from_key(key: &str) -> Option<Self> {
        Column::ALL.into_iter().find(|c| c.as_str() == key)
    }
}

/// A comparison on a time column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl CmpOp {
    /// The SQL comparison operator.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Neq => "<>",
            CmpOp::Gt => ">",
            CmpOp::Gte => ">=",
            CmpOp::Lt => "<",
            CmpOp::Lte => "<=",
        }
    }

    pub(super) fn parse(op: &str) -> Option<Self> {
        Some(match op {
            "eq" => CmpOp::Eq,
            "neq" => CmpOp::Neq,
            "gt" => CmpOp::Gt,
            "gte" => CmpOp::Gte,
            "lt" => CmpOp::Lt,
            "lte" => CmpOp::Lte,
            _ => return None,
        })
    }
}

/// One filter; all of a query's filters must hold (AND).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Column IN values (plain equality is a one-value `In`; an empty list matches nothing).
    /// For integer columns each value is a canonical decimal integer (`"+12"` became `"12"`).
    In(Column, Vec<String>),
    /// A `created_at` / `updated_at` comparison.
    Time(Column, CmpOp, Timestamp),
    /// `<col>_min`: column >= bound (integer columns only).
    AtLeast(Column, i64),
    /// `<col>_max`: column <= bound (integer columns only).
    AtMost(Column, i64),
    /// Custom property `key` equals `value`.
    Property(String, String),
}

/// Which shares of others' `shared` images to include.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberStatusFilter {
    Only(MemberStatus),
    All,
}

/// The `visibility` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisibilityFilter {
    Only(Visibility),
    All,
}
