//! The metadefs' wire views, in Glance's shapes: `self` and `schema` links relative to the
//! host root (`/v2/metadefs/…`, the same under every region), times as `YYYY-MM-DDTHH:MM:SSZ`,
//! and fields without a value left out.

use glint_app::NamespaceDetail;
use glint_core::metadef::{
    Association, ListedNamespace, Namespace, Object, Property, ResourceType, Tag,
};
use serde_json::{Map, Value, json};

fn put_some(map: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        map.insert(key.into(), json!(v));
    }
}

/// A namespace's own fields and links.
pub(super) fn namespace(ns: &Namespace) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("namespace".into(), json!(ns.namespace));
    put_some(&mut map, "display_name", &ns.display_name);
    put_some(&mut map, "description", &ns.description);
    map.insert("visibility".into(), json!(ns.visibility.as_str()));
    map.insert("protected".into(), json!(ns.protected));
    map.insert("owner".into(), json!(ns.owner));
    map.insert("created_at".into(), json!(ns.created_at.to_glance()));
    map.insert("updated_at".into(), json!(ns.updated_at.to_glance()));
    map.insert("schema".into(), json!("/v2/schemas/metadefs/namespace"));
    map.insert(
        "self".into(),
        json!(format!("/v2/metadefs/namespaces/{}", ns.namespace)),
    );
    map
}

/// A namespace in a list: its fields and its resource type associations.
pub(super) fn listed(listed: &ListedNamespace) -> Value {
    let mut map = namespace(&listed.namespace);
    if !listed.associations.is_empty() {
        map.insert(
            "resource_type_associations".into(),
            listed.associations.iter().map(association).collect(),
        );
    }
    Value::Object(map)
}

/// A namespace with everything it holds (what is empty is left out, as Glance does).
pub(super) fn detail(detail: &NamespaceDetail) -> Value {
    let ns = &detail.namespace.namespace;
    let mut map = namespace(&detail.namespace);
    if !detail.associations.is_empty() {
        map.insert(
            "resource_type_associations".into(),
            detail.associations.iter().map(association).collect(),
        );
    }
    if !detail.properties.is_empty() {
        map.insert("properties".into(), properties(&detail.properties));
    }
    if !detail.objects.is_empty() {
        map.insert(
            "objects".into(),
            detail.objects.iter().map(|o| object(ns, o)).collect(),
        );
    }
    if !detail.tags.is_empty() {
        map.insert(
            "tags".into(),
            detail
                .tags
                .iter()
                .map(|t| json!({"name": t.name}))
                .collect(),
        );
    }
    Value::Object(map)
}

/// A resource type.
pub(super) fn resource_type(rt: &ResourceType) -> Value {
    json!({
        "name": rt.name,
        "created_at": rt.created_at.to_glance(),
        "updated_at": rt.updated_at.to_glance(),
    })
}

/// A resource type association.
pub(super) fn association(a: &Association) -> Value {
    let mut map = Map::new();
    map.insert("name".into(), json!(a.fields.name));
    put_some(&mut map, "prefix", &a.fields.prefix);
    put_some(&mut map, "properties_target", &a.fields.properties_target);
    map.insert("created_at".into(), json!(a.created_at.to_glance()));
    map.insert("updated_at".into(), json!(a.updated_at.to_glance()));
    Value::Object(map)
}

/// Property definitions keyed by name.
pub(super) fn properties(properties: &[Property]) -> Value {
    properties
        .iter()
        .map(|p| (p.name.clone(), Value::Object(p.definition.clone())))
        .collect::<Map<_, _>>()
        .into()
}

/// One property definition, with its name.
pub(super) fn property(p: &Property) -> Value {
    let mut map = p.definition.clone();
    map.insert("name".into(), json!(p.name));
    Value::Object(map)
}

/// An object definition of namespace `ns`.
pub(super) fn object(ns: &str, o: &Object) -> Value {
    let mut map = Map::new();
    map.insert("name".into(), json!(o.fields.name));
    put_some(&mut map, "description", &o.fields.description);
    map.insert("required".into(), json!(o.fields.required));
    map.insert(
        "properties".into(),
        Value::Object(o.fields.properties.clone()),
    );
    map.insert("created_at".into(), json!(o.created_at.to_glance()));
    map.insert("updated_at".into(), json!(o.updated_at.to_glance()));
    map.insert("schema".into(), json!("/v2/schemas/metadefs/object"));
    map.insert(
        "self".into(),
        json!(format!(
            "/v2/metadefs/namespaces/{ns}/objects/{}",
            o.fields.name
        )),
    );
    Value::Object(map)
}

/// A tag.
pub(super) fn tag(t: &Tag) -> Value {
    json!({
        "name": t.name,
        "created_at": t.created_at.to_glance(),
        "updated_at": t.updated_at.to_glance(),
    })
}
