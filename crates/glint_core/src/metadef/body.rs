//! The metadefs' request bodies and definition documents, parsed once into checked values: a
//! bad body is 400 naming the field, as Glance's schema checks answer. The same parser reads
//! Glance's default definition files, which have the shape of a namespace create.

use serde_json::{Map, Value};

use super::Visibility;
use crate::{Error, Result};

/// Keys a client may send back from a document it read; they are ignored.
const READ_ONLY: &[&str] = &["created_at", "updated_at", "self", "schema"];
/// The JSON types a property definition may declare.
const PROPERTY_TYPES: &[&str] = &["array", "boolean", "integer", "number", "object", "string"];

fn bad(message: impl Into<String>) -> Error {
    Error::InvalidInput(message.into())
}

fn object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| bad(format!("The {what} must be a JSON object.")))
}

/// Refuses keys outside `allowed` (and the read-only ones).
fn only(map: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<()> {
    match map
        .keys()
        .find(|k| !allowed.contains(&k.as_str()) && !READ_ONLY.contains(&k.as_str()))
    {
        Some(key) => Err(bad(format!(
            "Additional properties are not allowed ('{key}' was unexpected) in the {what}."
        ))),
        None => Ok(()),
    }
}

/// A required name of at most `max` characters, without NUL.
fn name(map: &Map<String, Value>, key: &str, max: usize) -> Result<String> {
    match optional_text(map, key, max)? {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(bad(format!("'{key}' is a required property."))),
    }
}

/// An optional string of at most `max` characters (`null` counts as missing).
fn optional_text(map: &Map<String, Value>, key: &str, max: usize) -> Result<Option<String>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > max => Err(bad(format!(
            "'{key}' is too long (at most {max} characters)."
        ))),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(format!("'{key}' must be a string."))),
    }
}

fn optional_bool(map: &Map<String, Value>, key: &str) -> Result<Option<bool>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(bad(format!("'{key}' must be a boolean."))),
    }
}

fn array<'a>(map: &'a Map<String, Value>, key: &str) -> Result<&'a [Value]> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(bad(format!("'{key}' must be an array."))),
    }
}

/// A namespace's own fields, from a create or a full update (`PUT`).
#[derive(Debug, Clone, PartialEq)]
pub struct NamespaceFields {
    pub namespace: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// `private` when the body does not say, as Glance defaults it.
    pub visibility: Visibility,
    pub protected: bool,
    /// The owning account; `None`: the caller's (on create) or unchanged (on update).
    pub owner: Option<String>,
}

impl NamespaceFields {
    /// The fields of a namespace body; other keys are refused unless `with_contents` allows
    /// what a create may carry besides (associations, properties, objects, tags).
    fn parse(map: &Map<String, Value>, with_contents: bool) -> Result<Self> {
        let mut allowed = vec![
            "namespace",
            "display_name",
            "description",
            "visibility",
            "protected",
            "owner",
        ];
        if with_contents {
            allowed.extend([
                "resource_type_associations",
                "properties",
                "objects",
                "tags",
            ]);
        }
        only(map, &allowed, "namespace")?;
        let visibility = match optional_text(map, "visibility", 10)? {
            None => Visibility::Private,
            Some(v) => Visibility::parse(&v)
                .ok_or_else(|| bad(format!("'{v}' is not one of ['public', 'private'].")))?,
        };
        Ok(NamespaceFields {
            namespace: name(map, "namespace", 80)?,
            display_name: optional_text(map, "display_name", 80)?,
            description: optional_text(map, "description", 500)?,
            visibility,
            protected: optional_bool(map, "protected")?.unwrap_or(false),
            owner: optional_text(map, "owner", 255)?,
        })
    }

    /// The body of `PUT /v2/metadefs/namespaces/{namespace}`.
    pub fn from_update(body: &Value) -> Result<Self> {
        NamespaceFields::parse(object(body, "namespace")?, false)
    }
}

/// A namespace with everything it holds: the body of a namespace create, and each of Glance's
/// default definition files.
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionDocument {
    pub fields: NamespaceFields,
    pub associations: Vec<AssociationFields>,
    pub properties: Vec<PropertyFields>,
    pub objects: Vec<ObjectFields>,
    pub tags: Vec<String>,
}

impl DefinitionDocument {
    /// The body of `POST /v2/metadefs/namespaces`, or a definition file.
    pub fn parse(body: &Value) -> Result<Self> {
        let map = object(body, "namespace")?;
        let fields = NamespaceFields::parse(map, true)?;
        let associations = array(map, "resource_type_associations")?
            .iter()
            .map(AssociationFields::parse)
            .collect::<Result<Vec<_>>>()?;
        let properties = match map.get("properties") {
            None | Some(Value::Null) => Vec::new(),
            Some(value) => PropertyFields::parse_map(value)?,
        };
        let objects = array(map, "objects")?
            .iter()
            .map(ObjectFields::parse)
            .collect::<Result<Vec<_>>>()?;
        let tags = array(map, "tags")?
            .iter()
            .map(|t| name(object(t, "tag")?, "name", 80))
            .collect::<Result<Vec<_>>>()?;
        Ok(DefinitionDocument {
            fields,
            associations,
            properties,
            objects,
            tags,
        })
    }
}

/// A resource type association as a client writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct AssociationFields {
    pub name: String,
    pub prefix: Option<String>,
    pub properties_target: Option<String>,
}

impl AssociationFields {
    /// The body of `POST …/resource_types`.
    pub fn parse(body: &Value) -> Result<Self> {
        let map = object(body, "resource type association")?;
        only(
            map,
            &["name", "prefix", "properties_target"],
            "resource type association",
        )?;
        Ok(AssociationFields {
            name: name(map, "name", 80)?,
            prefix: optional_text(map, "prefix", 80)?,
            properties_target: optional_text(map, "properties_target", 80)?,
        })
    }
}

/// A property definition as a client writes it: its name and its schema fragment.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyFields {
    pub name: String,
    pub definition: Map<String, Value>,
}

impl PropertyFields {
    /// The definition `value` of property `name`: an object with a `title` and a `type`.
    fn definition(name: &str, value: &Value) -> Result<Map<String, Value>> {
        let map = object(value, &format!("property {name}"))?;
        let mut definition = map.clone();
        for key in READ_ONLY.iter().chain(&["name"]) {
            definition.remove(*key);
        }
        if !matches!(map.get("title"), Some(Value::String(_))) {
            return Err(bad(format!("'title' is a required property of {name}.")));
        }
        match map.get("type") {
            Some(Value::String(t)) if PROPERTY_TYPES.contains(&t.as_str()) => Ok(definition),
            Some(Value::String(t)) => Err(bad(format!(
                "'{t}' is not a valid type of property {name}."
            ))),
            _ => Err(bad(format!("'type' is a required property of {name}."))),
        }
    }

    /// The body of `POST …/properties` or `PUT …/properties/{name}`: the definition with its
    /// `name`.
    pub fn parse(body: &Value) -> Result<Self> {
        let name = name(object(body, "property")?, "name", 80)?;
        let definition = PropertyFields::definition(&name, body)?;
        Ok(PropertyFields { name, definition })
    }

    /// A map of property name to definition (a namespace's or an object's `properties`).
    pub fn parse_map(value: &Value) -> Result<Vec<Self>> {
        object(value, "properties")?
            .iter()
            .map(|(name, definition)| {
                if name.is_empty() || name.chars().count() > 80 {
                    return Err(bad(format!("Property name '{name}' is empty or too long.")));
                }
                Ok(PropertyFields {
                    name: name.clone(),
                    definition: PropertyFields::definition(name, definition)?,
                })
            })
            .collect()
    }
}

/// An object definition as a client writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectFields {
    pub name: String,
    pub description: Option<String>,
    pub required: Vec<String>,
    /// Its property definitions, by name.
    pub properties: Map<String, Value>,
}

impl ObjectFields {
    /// The body of `POST …/objects` or `PUT …/objects/{name}`.
    pub fn parse(body: &Value) -> Result<Self> {
        let map = object(body, "object")?;
        only(
            map,
            &["name", "description", "required", "properties"],
            "object",
        )?;
        let required = array(map, "required")?
            .iter()
            .map(|r| {
                r.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad("'required' must be an array of strings."))
            })
            .collect::<Result<Vec<_>>>()?;
        let properties = match map.get("properties") {
            None | Some(Value::Null) => Map::new(),
            Some(value) => PropertyFields::parse_map(value)?
                .into_iter()
                .map(|p| (p.name, Value::Object(p.definition)))
                .collect(),
        };
        Ok(ObjectFields {
            name: name(map, "name", 80)?,
            description: optional_text(map, "description", 65_535)?,
            required,
            properties,
        })
    }
}

/// A tag's name from a path or a body: 1 to 80 characters.
pub fn tag_name(raw: &str) -> Result<String> {
    if raw.trim().is_empty() || raw.chars().count() > 80 {
        Err(bad("A tag name must have 1 to 80 characters."))
    } else {
        Ok(raw.to_owned())
    }
}

/// The body of `POST …/tags` (`{"tags": [{"name": …}, …]}`) or `PUT …/tags/{name}`.
#[derive(Debug, Clone, PartialEq)]
pub struct TagsBody;

impl TagsBody {
    /// The names of a create-multiple body; a name given twice is 409, as Glance answers.
    pub fn names(body: &Value) -> Result<Vec<String>> {
        let map = object(body, "tags body")?;
        only(map, &["tags"], "tags body")?;
        let mut names: Vec<String> = Vec::new();
        for tag in array(map, "tags")? {
            let tag = name(object(tag, "tag")?, "name", 80)?;
            if names.contains(&tag) {
                return Err(super::duplicate(format!("tag {tag}")));
            }
            names.push(tag);
        }
        Ok(names)
    }

    /// The new name in the body of `PUT …/tags/{name}`.
    pub fn rename(body: &Value) -> Result<String> {
        let map = object(body, "tag")?;
        only(map, &["name"], "tag")?;
        name(map, "name", 80)
    }
}
