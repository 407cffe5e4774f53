//! Namespaces: Glance's defaults after migrating, who reads and who writes, protection,
//! duplicates and bad bodies, renames, and the list's pages and filters.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{metadefs, world};
use crate::app::{Engine, on_both_engines};
use crate::spec::assert_glance_error;

on_both_engines!(
    glances_default_definitions_are_there_after_migrating,
    only_the_cloud_admin_writes_metadefs,
    a_private_namespace_is_seen_by_its_own_account_alone,
    a_protected_namespace_cannot_be_deleted_until_unprotected,
    taken_names_are_conflicts_and_bad_bodies_are_refused,
    a_renamed_namespace_keeps_what_it_holds,
    namespace_lists_page_and_filter,
);

async fn glances_default_definitions_are_there_after_migrating(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let hypervisor = w
        .alpha
        .get(&metadefs("namespaces/OS::Compute::Hypervisor"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(hypervisor["visibility"], "public");
    assert_eq!(hypervisor["protected"], true);
    assert_eq!(hypervisor["owner"], "admin");
    assert_eq!(hypervisor["display_name"], "Hypervisor Selection");
    assert_eq!(
        hypervisor["properties"]["hypervisor_type"]["type"],
        "string"
    );
    assert_eq!(
        hypervisor["resource_type_associations"][0]["name"],
        "OS::Glance::Image"
    );
    assert_eq!(
        hypervisor["self"],
        "/v2/metadefs/namespaces/OS::Compute::Hypervisor"
    );
    assert_eq!(hypervisor["schema"], "/v2/schemas/metadefs/namespace");
    let quota = w
        .alpha
        .get(&metadefs("namespaces/OS::Compute::Quota/objects"))
        .await
        .expect(StatusCode::OK);
    assert!(
        quota["objects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "CPU Limits"),
        "{quota}"
    );
    let all = w.admin.namespace_names("?limit=1000").await;
    assert_eq!(all.len(), 33, "every default file is a namespace: {all:?}");
    let public = w.alpha.namespace_names("?limit=1000").await;
    assert_eq!(
        public.len(),
        31,
        "two files say no visibility: private, the admin's, as Glance loads them"
    );
    let types = w
        .alpha
        .get(&metadefs("resource_types"))
        .await
        .expect(StatusCode::OK);
    let names: Vec<&str> = types["resource_types"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for name in [
        "OS::Glance::Image",
        "OS::Cinder::Volume",
        "OS::Nova::Flavor",
    ] {
        assert!(names.contains(&name), "{names:?}");
    }
}

async fn only_the_cloud_admin_writes_metadefs(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let refused = w
        .alpha
        .create_namespace(json!({"namespace": "mine", "visibility": "public"}))
        .await;
    assert_glance_error(&refused, StatusCode::FORBIDDEN);
    refused.assert_says("/message", "admin");
    w.admin.namespace_for("shared", "public", "1001").await;
    let ns = metadefs("namespaces/shared");
    let put = json!({"namespace": "shared", "visibility": "private"});
    for (method, uri, body) in [
        (Method::PUT, ns.clone(), Some(put)),
        (Method::DELETE, ns.clone(), None),
        (Method::POST, format!("{ns}/tags/t1"), None),
        (
            Method::POST,
            format!("{ns}/objects"),
            Some(json!({"name": "o"})),
        ),
    ] {
        let r = w.alpha.call(method.clone(), &uri, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{method} {uri}: {:?}",
            r.body
        );
        let r = w.beta.call(method.clone(), &uri, body).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{method} {uri}: {:?}",
            r.body
        );
    }
    w.alpha.get(&ns).await.expect(StatusCode::OK);
}

async fn a_private_namespace_is_seen_by_its_own_account_alone(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    w.admin.namespace_for("alpha-only", "private", "1001").await;
    w.admin
        .call(
            Method::POST,
            &metadefs("namespaces/alpha-only/tags/secret"),
            None,
        )
        .await
        .expect(StatusCode::CREATED);
    let ns = metadefs("namespaces/alpha-only");
    let shown = w.alpha.get(&ns).await.expect(StatusCode::OK);
    assert_eq!(shown["owner"], "1001");
    assert!(
        w.alpha
            .namespace_names("?limit=1000")
            .await
            .contains(&"alpha-only".into())
    );
    assert!(
        w.admin
            .namespace_names("?limit=1000")
            .await
            .contains(&"alpha-only".into())
    );
    assert!(
        !w.beta
            .namespace_names("?limit=1000")
            .await
            .contains(&"alpha-only".into())
    );
    for uri in [
        ns.clone(),
        format!("{ns}/tags"),
        format!("{ns}/tags/secret"),
        format!("{ns}/objects"),
        format!("{ns}/properties"),
        format!("{ns}/resource_types"),
    ] {
        assert_glance_error(&w.beta.get(&uri).await, StatusCode::NOT_FOUND);
    }
    let put = json!({"namespace": "alpha-only", "visibility": "public"});
    let r = w.beta.call(Method::PUT, &ns, Some(put)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "a stranger learns nothing");
    let r = w.beta.call(Method::DELETE, &ns, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w.alpha.call(Method::DELETE, &ns, None).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "its owner sees it, not writes it"
    );
}

async fn a_protected_namespace_cannot_be_deleted_until_unprotected(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let body = json!({"namespace": "locked", "visibility": "public", "protected": true,
                      "tags": [{"name": "keep"}]});
    w.admin
        .create_namespace(body)
        .await
        .expect(StatusCode::CREATED);
    let ns = metadefs("namespaces/locked");
    let r = w.admin.call(Method::DELETE, &ns, None).await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    r.assert_says("/message", "protected");
    for uri in [format!("{ns}/tags/keep"), format!("{ns}/tags")] {
        let r = w.admin.call(Method::DELETE, &uri, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}");
    }
    let put = json!({"namespace": "locked", "visibility": "private", "protected": false});
    let updated = w
        .admin
        .call(Method::PUT, &ns, Some(put))
        .await
        .expect(StatusCode::OK);
    assert_eq!(updated["protected"], false);
    assert_eq!(updated["visibility"], "private");
    let r = w.admin.call(Method::DELETE, &ns, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_glance_error(&w.admin.get(&ns).await, StatusCode::NOT_FOUND);
}

async fn taken_names_are_conflicts_and_bad_bodies_are_refused(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    w.admin.namespace_for("one", "public", "1001").await;
    w.admin.namespace_for("two", "public", "1001").await;
    let again = w.admin.create_namespace(json!({"namespace": "one"})).await;
    assert_glance_error(&again, StatusCode::CONFLICT);
    let r = w
        .admin
        .call(
            Method::PUT,
            &metadefs("namespaces/two"),
            Some(json!({"namespace": "one"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    for body in [
        json!({"visibility": "public"}),
        json!({"namespace": "x", "visibility": "shared"}),
        json!({"namespace": "x", "protected": "yes"}),
        json!({"namespace": "x", "colour": "blue"}),
        json!({"namespace": "x".repeat(81)}),
        json!({"namespace": "x", "properties": {"p": {"type": "string"}}}),
        json!({"namespace": "x", "properties": {"p": {"title": "P", "type": "text"}}}),
    ] {
        let r = w.admin.create_namespace(body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {:?}", r.body);
    }
    assert_glance_error(
        &w.admin.get(&metadefs("namespaces/x")).await,
        StatusCode::NOT_FOUND,
    );
    let nul = w
        .admin
        .create_namespace(json!({"namespace": "a\u{0}b"}))
        .await;
    assert_eq!(nul.status, StatusCode::BAD_REQUEST, "NUL is never stored");
    for uri in [
        "namespaces/a%00b",
        "namespaces/OS::Compute::Quota/objects/a%00b",
    ] {
        let r = w.admin.get(&metadefs(uri)).await;
        assert_glance_error(&r, StatusCode::NOT_FOUND);
    }
}

async fn a_renamed_namespace_keeps_what_it_holds(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let body = json!({
        "namespace": "old-name", "visibility": "public", "description": "d",
        "resource_type_associations": [{"name": "OS::Glance::Image", "prefix": "hw_"}],
        "properties": {"cpu": {"title": "CPU", "type": "integer", "minimum": 1}},
        "objects": [{"name": "Box", "required": ["size"],
                     "properties": {"size": {"title": "Size", "type": "integer"}}}],
        "tags": [{"name": "t1"}, {"name": "t2"}],
    });
    let created = w
        .admin
        .create_namespace(body)
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(created["owner"], w.admin.number.as_str());
    let put = json!({"namespace": "new-name", "visibility": "public", "description": "e"});
    w.admin
        .call(Method::PUT, &metadefs("namespaces/old-name"), Some(put))
        .await
        .expect(StatusCode::OK);
    assert_glance_error(
        &w.alpha.get(&metadefs("namespaces/old-name")).await,
        StatusCode::NOT_FOUND,
    );
    let shown = w
        .alpha
        .get(&metadefs("namespaces/new-name"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(shown["description"], "e");
    assert_eq!(shown["resource_type_associations"][0]["prefix"], "hw_");
    assert_eq!(shown["properties"]["cpu"]["minimum"], 1);
    assert_eq!(shown["objects"][0]["name"], "Box");
    assert_eq!(
        shown["objects"][0]["self"],
        "/v2/metadefs/namespaces/new-name/objects/Box"
    );
    assert_eq!(shown["tags"].as_array().unwrap().len(), 2);
    let for_images = w
        .alpha
        .get(&metadefs(
            "namespaces/new-name?resource_type=OS::Glance::Image",
        ))
        .await
        .expect(StatusCode::OK);
    assert_eq!(for_images["properties"]["hw_cpu"]["title"], "CPU");
    assert_eq!(for_images["objects"][0]["required"], json!(["hw_size"]));
    assert!(for_images["objects"][0]["properties"]["hw_size"].is_object());
}

async fn namespace_lists_page_and_filter(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    for name in ["p-1", "p-2", "p-3"] {
        w.admin.namespace_for(name, "private", "1002").await;
    }
    let first = w
        .beta
        .get(&metadefs(
            "namespaces?visibility=private&limit=2&sort_key=namespace&sort_dir=asc",
        ))
        .await
        .expect(StatusCode::OK);
    let names = |body: &serde_json::Value| -> Vec<String> {
        body["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["namespace"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&first), ["p-1", "p-2"]);
    assert_eq!(first["first"], "/v2/metadefs/namespaces");
    assert_eq!(first["schema"], "/v2/schemas/metadefs/namespaces");
    let next = first["next"].as_str().expect("a next link").to_owned();
    assert!(
        next.starts_with("/v2/metadefs/namespaces?marker=p-2"),
        "{next}"
    );
    let second = w
        .beta
        .get(&format!("/image/DFW{next}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(names(&second), ["p-3"]);
    assert!(second.get("next").is_none());
    let flavors = w
        .beta
        .namespace_names("?resource_types=OS::Nova::Flavor&limit=1000")
        .await;
    assert!(
        flavors.contains(&"OS::Compute::Quota".to_owned()),
        "{flavors:?}"
    );
    assert!(!flavors.contains(&"p-1".to_owned()));
    let r = w.beta.get(&metadefs("namespaces?sort_key=colour")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = w.alpha.get(&metadefs("namespaces?marker=p-1")).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "a marker it cannot see is unknown"
    );
}
