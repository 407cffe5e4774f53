//! What a namespace holds: resource type associations, properties, objects and tags, created,
//! read, replaced and deleted by the admin; and the same catalog under every region.

use axum::http::{HeaderValue, Method, StatusCode};
use serde_json::json;

use super::{metadefs, world};
use crate::app::{Engine, on_both_engines};

on_both_engines!(
    resource_type_associations_come_and_go,
    property_definitions_are_created_replaced_and_deleted,
    object_definitions_are_created_replaced_and_deleted,
    tags_are_replaced_appended_renamed_and_deleted,
    every_region_serves_the_same_catalog,
);

async fn resource_type_associations_come_and_go(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    w.admin.namespace_for("assoc", "public", "1001").await;
    let uri = metadefs("namespaces/assoc/resource_types");
    let body = json!({"name": "OS::Glint::Thing", "prefix": "thing_"});
    let made = w
        .admin
        .call(Method::POST, &uri, Some(body.clone()))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(made["name"], "OS::Glint::Thing");
    assert_eq!(made["prefix"], "thing_");
    let again = w.admin.call(Method::POST, &uri, Some(body)).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let listed = w.alpha.get(&uri).await.expect(StatusCode::OK);
    assert_eq!(
        listed["resource_type_associations"][0]["name"],
        "OS::Glint::Thing"
    );
    let types = w
        .alpha
        .get(&metadefs("resource_types"))
        .await
        .expect(StatusCode::OK);
    assert!(
        types["resource_types"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "OS::Glint::Thing"),
        "a new resource type is created with its first association"
    );
    let one = format!("{uri}/OS::Glint::Thing");
    let r = w.admin.call(Method::DELETE, &one, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = w.admin.call(Method::DELETE, &one, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let listed = w.alpha.get(&uri).await.expect(StatusCode::OK);
    assert_eq!(listed["resource_type_associations"], json!([]));
    let r = w
        .admin
        .call(Method::POST, &uri, Some(json!({"prefix": "x"})))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

async fn property_definitions_are_created_replaced_and_deleted(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    w.admin.namespace_for("props", "public", "1001").await;
    let uri = metadefs("namespaces/props/properties");
    let body = json!({"name": "hypervisor", "title": "Hypervisor", "type": "string",
                      "enum": ["kvm", "qemu"]});
    let made = w
        .admin
        .call(Method::POST, &uri, Some(body.clone()))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(made["title"], "Hypervisor");
    assert_eq!(made["name"], "hypervisor");
    let r = w.admin.call(Method::POST, &uri, Some(body)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = w
        .admin
        .call(
            Method::POST,
            &uri,
            Some(json!({"name": "n", "type": "string"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "a property needs a title"
    );
    let one = format!("{uri}/hypervisor");
    let shown = w.alpha.get(&one).await.expect(StatusCode::OK);
    assert_eq!(shown["enum"], json!(["kvm", "qemu"]));
    let put = json!({"name": "hypervisor", "title": "Hypervisor type", "type": "string"});
    let replaced = w
        .admin
        .call(Method::PUT, &one, Some(put))
        .await
        .expect(StatusCode::OK);
    assert_eq!(replaced["title"], "Hypervisor type");
    assert!(
        replaced.get("enum").is_none(),
        "a PUT replaces the definition"
    );
    let listed = w.alpha.get(&uri).await.expect(StatusCode::OK);
    assert_eq!(
        listed["properties"]["hypervisor"]["title"],
        "Hypervisor type"
    );
    let r = w.admin.call(Method::DELETE, &one, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(w.alpha.get(&one).await.status, StatusCode::NOT_FOUND);
    let listed = w.alpha.get(&uri).await.expect(StatusCode::OK);
    assert_eq!(listed["properties"], json!({}));
}

async fn object_definitions_are_created_replaced_and_deleted(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    w.admin.namespace_for("objs", "public", "1001").await;
    let uri = metadefs("namespaces/objs/objects");
    let body = json!({"name": "CPU Limits", "description": "limits",
                      "properties": {"quota:cpu": {"title": "CPU", "type": "integer"}}});
    let made = w
        .admin
        .call(Method::POST, &uri, Some(body.clone()))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(
        made["self"],
        "/v2/metadefs/namespaces/objs/objects/CPU Limits"
    );
    assert_eq!(made["schema"], "/v2/schemas/metadefs/object");
    assert_eq!(made["required"], json!([]));
    assert_eq!(
        w.admin.call(Method::POST, &uri, Some(body)).await.status,
        StatusCode::CONFLICT
    );
    let one = format!("{uri}/CPU%20Limits");
    let shown = w.alpha.get(&one).await.expect(StatusCode::OK);
    assert_eq!(shown["properties"]["quota:cpu"]["type"], "integer");
    let renamed = w
        .admin
        .call(Method::PUT, &one, Some(json!({"name": "CPU Caps"})))
        .await
        .expect(StatusCode::OK);
    assert_eq!(renamed["name"], "CPU Caps");
    assert_eq!(renamed["properties"], json!({}));
    assert_eq!(w.alpha.get(&one).await.status, StatusCode::NOT_FOUND);
    let listed = w.alpha.get(&uri).await.expect(StatusCode::OK);
    assert_eq!(listed["objects"][0]["name"], "CPU Caps");
    assert_eq!(listed["schema"], "/v2/schemas/metadefs/objects");
    let r = w
        .admin
        .call(Method::DELETE, &format!("{uri}/CPU%20Caps"), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let listed = w.alpha.get(&uri).await.expect(StatusCode::OK);
    assert_eq!(listed["objects"], json!([]));
}

async fn tags_are_replaced_appended_renamed_and_deleted(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    w.admin.namespace_for("tagged", "public", "1001").await;
    let uri = metadefs("namespaces/tagged/tags");
    let names = |body: &serde_json::Value| -> Vec<String> {
        let mut n: Vec<String> = body["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect();
        n.sort();
        n
    };
    let three = json!({"tags": [{"name": "a"}, {"name": "b"}, {"name": "c"}]});
    let made = w
        .admin
        .call(Method::POST, &uri, Some(three))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(names(&made), ["a", "b", "c"]);
    let replace = json!({"tags": [{"name": "d"}]});
    w.admin
        .call(Method::POST, &uri, Some(replace))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(
        names(&w.alpha.get(&uri).await.expect(StatusCode::OK)),
        ["d"]
    );
    let mut append = axum::http::Request::builder()
        .method(Method::POST)
        .uri(&uri)
        .header("x-auth-token", w.admin.token.as_str())
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(axum::body::Body::from(
            json!({"tags": [{"name": "e"}]}).to_string(),
        ))
        .unwrap();
    append
        .headers_mut()
        .insert("x-openstack-append", HeaderValue::from_static("true"));
    let r = w.app.send(append).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(
        names(&w.alpha.get(&uri).await.expect(StatusCode::OK)),
        ["d", "e"]
    );
    let twice = json!({"tags": [{"name": "f"}, {"name": "f"}]});
    let r = w.admin.call(Method::POST, &uri, Some(twice)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let one = w
        .admin
        .call(Method::POST, &format!("{uri}/g"), None)
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(one["name"], "g");
    let r = w.admin.call(Method::POST, &format!("{uri}/g"), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let renamed = w
        .admin
        .call(Method::PUT, &format!("{uri}/g"), Some(json!({"name": "h"})))
        .await
        .expect(StatusCode::OK);
    assert_eq!(renamed["name"], "h");
    let r = w
        .admin
        .call(Method::PUT, &format!("{uri}/h"), Some(json!({"name": "d"})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a rename onto a taken name");
    w.alpha
        .get(&format!("{uri}/h"))
        .await
        .expect(StatusCode::OK);
    let r = w
        .admin
        .call(Method::DELETE, &format!("{uri}/h"), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        w.alpha.get(&format!("{uri}/h")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = w.admin.call(Method::DELETE, &uri, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        w.alpha.get(&uri).await.expect(StatusCode::OK)["tags"],
        json!([])
    );
}

async fn every_region_serves_the_same_catalog(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    w.admin.namespace_for("global", "public", "1002").await;
    let dfw = w
        .beta
        .get("/image/DFW/v2/metadefs/namespaces/global")
        .await
        .expect(StatusCode::OK);
    let iad = w
        .beta
        .get("/image/IAD/v2/metadefs/namespaces/global")
        .await
        .expect(StatusCode::OK);
    assert_eq!(dfw, iad);
    assert_eq!(dfw["self"], "/v2/metadefs/namespaces/global");
}
