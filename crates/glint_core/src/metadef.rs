//! Metadata definitions (Glance's metadefs catalog): namespaces and what they hold (resource
//! type associations, property and object definitions, tags), and the rules on them that Glance's
//! default policy states: everyone reads public namespaces and its own account's private ones,
//! the cloud admin reads and writes everything, nobody else writes; a protected namespace and
//! what it holds cannot be deleted. Metadefs are cloud-wide, not per region.

mod body;
mod list;

use serde_json::{Map, Value};

use crate::error::Kind;
use crate::{AuthContext, Error, Result, Role, Timestamp};

pub use body::{
    AssociationFields, DefinitionDocument, NamespaceFields, ObjectFields, PropertyFields, TagsBody,
    tag_name,
};
pub use list::{NamespaceQuery, SortKey, page};

/// Who may see a namespace besides the admin and its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Private,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }

    /// `public` or `private`; anything else is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Visibility::Public),
            "private" => Some(Visibility::Private),
            _ => None,
        }
    }
}

/// A namespace as stored, without what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Namespace {
    pub namespace: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub visibility: Visibility,
    pub protected: bool,
    /// The owning account's id (`admin` for Glance's default definitions).
    pub owner: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A resource type (`OS::Glance::Image`, `OS::Nova::Flavor`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A namespace's association with a resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct Association {
    pub fields: AssociationFields,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A property definition: its name and its JSON schema fragment (`title`, `type`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: String,
    pub definition: Map<String, Value>,
}

/// An object definition of a namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub fields: ObjectFields,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A tag of a namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A namespace with its resource type associations, as lists show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedNamespace {
    pub namespace: Namespace,
    pub associations: Vec<Association>,
}

/// Shows property names as a resource type sees them (`GET …/namespaces/{ns}?resource_type=…`,
/// as Glance does): when the namespace's association with `resource_type` has a prefix, it is
/// put before the name of each property, of each object's properties and of their `required`.
pub fn prefix_names(
    resource_type: &str,
    associations: &[Association],
    properties: &mut [Property],
    objects: &mut [Object],
) {
    let Some(prefix) = associations
        .iter()
        .find(|a| a.fields.name == resource_type)
        .and_then(|a| a.fields.prefix.as_deref())
        .filter(|p| !p.is_empty())
    else {
        return;
    };
    for property in properties.iter_mut() {
        property.name = format!("{prefix}{}", property.name);
    }
    for object in objects.iter_mut() {
        let fields = &mut object.fields;
        fields.properties = std::mem::take(&mut fields.properties)
            .into_iter()
            .map(|(name, definition)| (format!("{prefix}{name}"), definition))
            .collect();
        for name in fields.required.iter_mut() {
            *name = format!("{prefix}{name}");
        }
    }
}

/// Whether `caller` may see `namespace`: the admin sees every namespace, everyone a public one,
/// an account its own.
pub fn can_see(caller: &AuthContext, namespace: &Namespace) -> bool {
    caller.is_admin()
        || namespace.visibility == Visibility::Public
        || namespace.owner == caller.account_id.as_str()
}

/// Refuses every write but the admin's, as Glance's default policy (`metadef_admin`) does.
pub fn may_write(caller: &AuthContext) -> Result<()> {
    caller.require(Role::Admin, "change metadata definitions")
}

/// Refuses to delete `namespace`, or anything it holds, while it is protected (403).
pub fn may_delete_from(namespace: &Namespace, what: &str) -> Result<()> {
    if namespace.protected {
        Err(Error::Forbidden(format!(
            "Namespace {} is protected and {what} cannot be deleted.",
            namespace.namespace
        )))
    } else {
        Ok(())
    }
}

/// The 404 of a namespace that does not exist or that the caller may not see.
pub fn namespace_not_found(name: &str) -> Error {
    Error::not_found(Kind::Metadef, format!("namespace {name}"))
}

/// The 404 of something a namespace does not hold (`object x`, `tag y`, …).
pub fn item_not_found(namespace: &str, what: &str, name: &str) -> Error {
    Error::not_found(
        Kind::Metadef,
        format!("{what} {name} in namespace {namespace}"),
    )
}

/// The 409 of a name already taken (`namespace x`, `tag y in namespace x`, …).
pub fn duplicate(what: impl Into<String>) -> Error {
    Error::conflict(Kind::Metadef, what)
}

#[cfg(test)]
mod tests;
