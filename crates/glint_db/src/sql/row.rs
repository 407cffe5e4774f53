//! A result row from either engine, read by column name or position into the few Rust types
//! the store keeps (`i64`, `String`, and either as optional).

use std::sync::Arc;

use sqlx::any::AnyRow;
use sqlx::{Any, Row as _};

use super::DbError;

/// One SQLite value, copied out of the statement so the connection can go back at once.
#[derive(Debug, Clone, PartialEq)]
pub enum LiteValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl LiteValue {
    fn kind(&self) -> &'static str {
        match self {
            LiteValue::Null => "NULL",
            LiteValue::Int(_) => "INTEGER",
            LiteValue::Real(_) => "REAL",
            LiteValue::Text(_) => "TEXT",
            LiteValue::Blob(_) => "BLOB",
        }
    }
}

/// A row of SQLite values with its statement's column names.
#[derive(Debug, Clone)]
pub(crate) struct LiteRow {
    pub(crate) columns: Arc<[String]>,
    pub(crate) values: Vec<LiteValue>,
}

/// One result row.
pub struct Row(Inner);

impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Inner::Any(row) => write!(f, "Row({} columns)", row.len()),
            Inner::Lite(row) => f.debug_tuple("Row").field(&row.values).finish(),
        }
    }
}

enum Inner {
    Any(AnyRow),
    Lite(LiteRow),
}

impl Row {
    pub(crate) fn any(row: AnyRow) -> Self {
        Row(Inner::Any(row))
    }

    pub(crate) fn lite(row: LiteRow) -> Self {
        Row(Inner::Lite(row))
    }

    /// The value of column `index` (a name or a position from 0) as `T`.
    pub fn try_get<T: Decode, I: ColumnIndex>(&self, index: I) -> Result<T, DbError> {
        match &self.0 {
            Inner::Any(row) => row.try_get::<T, I>(index).map_err(DbError::Sqlx),
            Inner::Lite(row) => {
                let at = index
                    .position(&row.columns)
                    .ok_or_else(|| DbError::Decode(format!("no column {index:?}")))?;
                let value = row
                    .values
                    .get(at)
                    .ok_or_else(|| DbError::Decode(format!("no column {index:?}")))?;
                T::from_lite(value).ok_or_else(|| {
                    DbError::Decode(format!(
                        "column {index:?} holds {}, not {}",
                        value.kind(),
                        std::any::type_name::<T>()
                    ))
                })
            }
        }
    }
}

/// A Rust type a column can be read as, on either engine.
pub trait Decode: Sized + for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any> {
    /// The SQLite value as `Self`, if it is of a matching kind.
    #[doc(hidden)]
    fn from_lite(value: &LiteValue) -> Option<Self>;
}

impl Decode for i64 {
    fn from_lite(value: &LiteValue) -> Option<Self> {
        match value {
            LiteValue::Int(n) => Some(*n),
            _ => None,
        }
    }
}

impl Decode for String {
    fn from_lite(value: &LiteValue) -> Option<Self> {
        match value {
            LiteValue::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn from_lite(value: &LiteValue) -> Option<Self> {
        match value {
            LiteValue::Null => Some(None),
            other => T::from_lite(other).map(Some),
        }
    }
}

/// A column by name or by position.
pub trait ColumnIndex: sqlx::ColumnIndex<AnyRow> + std::fmt::Debug + Copy {
    #[doc(hidden)]
    fn position(&self, columns: &[String]) -> Option<usize>;
}

impl ColumnIndex for usize {
    fn position(&self, columns: &[String]) -> Option<usize> {
        (*self < columns.len()).then_some(*self)
    }
}

impl ColumnIndex for &str {
    fn position(&self, columns: &[String]) -> Option<usize> {
        columns.iter().position(|c| c == self)
    }
}

#[cfg(test)]
mod tests {
    use super::{LiteRow, LiteValue, Row};

    #[test]
    fn a_lite_row_reads_by_name_and_position_and_refuses_the_wrong_kind() {
        let row = Row::lite(LiteRow {
            columns: vec!["n".to_owned(), "s".to_owned(), "z".to_owned()].into(),
            values: vec![
                LiteValue::Int(7),
                LiteValue::Text("x".into()),
                LiteValue::Null,
            ],
        });
        assert_eq!(row.try_get::<i64, _>("n").ok(), Some(7));
        assert_eq!(row.try_get::<String, _>(1).ok(), Some("x".to_owned()));
        assert_eq!(row.try_get::<Option<i64>, _>("z").ok(), Some(None));
        assert_eq!(row.try_get::<Option<i64>, _>("n").ok(), Some(Some(7)));
        assert!(row.try_get::<String, _>("n").is_err());
        assert!(row.try_get::<i64, _>("z").is_err());
        assert!(row.try_get::<i64, _>("missing").is_err());
        assert!(row.try_get::<i64, _>(3).is_err());
    }
}
