//! Deprecation: `glint_` properties only the owner changes, checked, told to the consumers; the
//! image keeps booting until its obsolete time (the test moves the clock), then new servers are
//! refused with the replacement named while existing ones rebuild; a consumer lists its servers
//! built from deprecated images.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{World, rebuild, server_in, world};
use crate::app::{Engine, on_both_engines};
use crate::events::types;
use crate::spec::{Actor, Image, V21, assert_glance_error};

on_both_engines!(
    only_the_owner_changes_the_deprecation_and_bad_values_are_refused,
    deprecation_is_told_to_consumers_with_the_replacement,
    an_obsolete_image_boots_no_new_server_but_rebuilds_existing_ones,
    a_consumer_lists_its_servers_built_from_deprecated_images,
    a_deleted_replacement_stays_named_and_blocks_nothing_else,
);

const DAY: Duration = Duration::from_secs(24 * 3600);

async fn set(actor: &Actor, image: &Image, props: &[(&str, &str)]) -> crate::app::TestResponse {
    let ops: Vec<Value> = props
        .iter()
        .map(|(k, v)| json!({"op": "add", "path": format!("/{k}"), "value": v}))
        .collect();
    actor.patch(image, V21, Value::Array(ops)).await
}

async fn replacement(w: &World) -> Image {
    let body = json!({"name": "web-2027", "disk_format": "raw", "container_format": "bare"});
    let image = w.producer.create_in("DFW", body).await;
    assert_eq!(
        w.producer.put_file(&image, vec![9; 4096]).await,
        StatusCode::NO_CONTENT
    );
    image
}

async fn only_the_owner_changes_the_deprecation_and_bad_values_are_refused(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.shared_image("DFW", "web").await;
    let by_consumer = set(&w.consumers[0], &image, &[("glint_deprecated", "true")]).await;
    assert_glance_error(&by_consumer, StatusCode::FORBIDDEN);
    let by_stranger = set(&w.stranger, &image, &[("glint_deprecated", "true")]).await;
    assert_glance_error(&by_stranger, StatusCode::NOT_FOUND);
    for (key, value) in [
        ("glint_deprecated", "yes"),
        ("glint_obsolete_at", "next week"),
        ("glint_replacement_image_id", "not-an-id"),
        ("glint_replacement_image_id", image.id.as_str()),
    ] {
        let r = set(
            &w.producer,
            &image,
            &[("glint_deprecated", "true"), (key, value)],
        )
        .await;
        assert_glance_error(&r, StatusCode::BAD_REQUEST);
        assert!(r.body.to_string().contains(key), "{key}: {:?}", r.body);
    }
    // A replacement must be the owner's, in the same region.
    let theirs = w.stranger.create(json!({"name": "theirs"})).await;
    let elsewhere = w.producer.create_in("IAD", json!({"name": "far"})).await;
    for other in [&theirs, &elsewhere] {
        let r = set(
            &w.producer,
            &image,
            &[("glint_replacement_image_id", other.id.as_str())],
        )
        .await;
        assert_glance_error(&r, StatusCode::BAD_REQUEST);
    }
    assert!(
        w.consumers[0]
            .image(&image)
            .await
            .get("glint_deprecated")
            .is_none(),
        "nothing was written"
    );
    let ok = set(&w.producer, &image, &[("glint_deprecated", "true")]).await;
    assert_eq!(ok.expect(StatusCode::OK)["glint_deprecated"], "true");
    let admin = w.app.cloud_admin().await;
    set(&admin, &image, &[("glint_deprecated", "false")])
        .await
        .expect(StatusCode::OK);
}

async fn deprecation_is_told_to_consumers_with_the_replacement(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.shared_image("DFW", "web").await;
    let next = replacement(&w).await;
    let props = [
        ("glint_deprecated", "true"),
        ("glint_replacement_image_id", next.id.as_str()),
        ("glint_obsolete_at", "2027-01-15"),
        ("glint_deprecation_message", "Moving to the 2027 base."),
    ];
    set(&w.producer, &image, &props)
        .await
        .expect(StatusCode::OK);
    let seen = w.consumers[1].image(&image).await;
    assert_eq!(
        seen["glint_replacement_image_id"],
        next.id.as_str(),
        "clients read it as properties"
    );
    let events = crate::events::feed(&w.consumers[1], "type=image.deprecated").await;
    assert_eq!(events.len(), 1, "{events:?}");
    let detail = &events[0]["detail"];
    assert_eq!(detail["replacement_image_id"], next.id.as_str());
    assert_eq!(detail["replacement_name"], "web-2027");
    assert_eq!(detail["obsolete_at"], "2027-01-15T00:00:00Z");
    assert_eq!(detail["message"], "Moving to the 2027 base.");
    // The same values again tell no one; withdrawing is told.
    set(&w.producer, &image, &props[..1])
        .await
        .expect(StatusCode::OK);
    set(&w.producer, &image, &[("glint_deprecated", "false")])
        .await
        .expect(StatusCode::OK);
    let all = crate::events::feed(&w.consumers[1], &format!("image_id={}", image.id)).await;
    assert_eq!(
        &types(&all)[..2],
        ["image.undeprecated", "image.deprecated"]
    );
    let stranger = crate::events::feed(&w.stranger, "").await;
    assert_eq!(stranger, Vec::<Value>::new(), "the stranger hears nothing");
}

async fn an_obsolete_image_boots_no_new_server_but_rebuilds_existing_ones(engine: Engine) {
    let Some(mut w) = world(engine).await else {
        return;
    };
    let image = w.shared_image("DFW", "web").await;
    let next = replacement(&w).await;
    w.producer.share(&next, &w.consumers[0]).await;
    let at = (w.app.clock.now().plus_seconds(10 * 86_400)).to_glance();
    let props = [
        ("glint_deprecated", "true"),
        ("glint_replacement_image_id", next.id.as_str()),
        ("glint_obsolete_at", at.as_str()),
    ];
    set(&w.producer, &image, &props)
        .await
        .expect(StatusCode::OK);
    let before = server_in(&w.consumers[0], "DFW", &image.id).await;
    w.advance(DAY * 11).await;
    let c = &w.consumers[0];
    let refused = c.boot(&image.id, "1").await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        refused.body
    );
    refused.assert_says("/badRequest/message", "obsolete");
    refused.assert_says("/badRequest/message", &next.id);
    refused.assert_says("/badRequest/message", "web-2027");
    let owner = w.producer.boot(&image.id, "1").await;
    assert_eq!(
        owner.status,
        StatusCode::BAD_REQUEST,
        "obsolete for its owner too"
    );
    assert_eq!(
        rebuild(c, "DFW", &before, &image.id).await,
        StatusCode::ACCEPTED
    );
    server_in(c, "DFW", &next.id).await;
    // Withdrawing the deprecation lets it boot again.
    set(&w.producer, &image, &[("glint_deprecated", "false")])
        .await
        .expect(StatusCode::OK);
    server_in(c, "DFW", &image.id).await;
}

async fn a_consumer_lists_its_servers_built_from_deprecated_images(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.shared_image("DFW", "web").await;
    let kept = w.shared_image("DFW", "kept").await;
    let next = replacement(&w).await;
    let c = &w.consumers[0];
    let on_old = server_in(c, "DFW", &image.id).await;
    server_in(c, "DFW", &kept.id).await;
    let theirs = server_in(&w.consumers[1], "DFW", &image.id).await;
    let uri = "/glint/v1/servers-on-deprecated-images";
    let none = c.get(uri).await.expect(StatusCode::OK);
    assert_eq!(none["servers"], json!([]));
    let props = [
        ("glint_deprecated", "true"),
        ("glint_replacement_image_id", next.id.as_str()),
    ];
    set(&w.producer, &image, &props)
        .await
        .expect(StatusCode::OK);
    let listed = c.get(uri).await.expect(StatusCode::OK);
    let rows = listed["servers"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 1, "{listed}");
    assert_eq!(rows[0]["id"], on_old.as_str());
    assert_eq!(rows[0]["image"]["id"], image.id.as_str());
    assert_eq!(rows[0]["image"]["replacement"]["id"], next.id.as_str());
    assert_eq!(
        rows[0]["image"]["replacement"]["name"],
        Value::Null,
        "c1 cannot see the replacement"
    );
    assert!(
        !listed.to_string().contains(&theirs),
        "only its own servers"
    );
    let stranger = w.stranger.get(uri).await.expect(StatusCode::OK);
    assert_eq!(stranger["servers"], json!([]));
}

async fn a_deleted_replacement_stays_named_and_blocks_nothing_else(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.shared_image("DFW", "web").await;
    let next = replacement(&w).await;
    let props = [
        ("glint_deprecated", "true"),
        ("glint_replacement_image_id", next.id.as_str()),
    ];
    set(&w.producer, &image, &props)
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        w.producer.delete(&next).await.status,
        StatusCode::NO_CONTENT
    );
    let message = [("glint_deprecation_message", "Moving on.")];
    let changed = set(&w.producer, &image, &message)
        .await
        .expect(StatusCode::OK);
    assert_eq!(changed["glint_replacement_image_id"], next.id.as_str());
    let again = set(&w.producer, &image, &props).await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "the same replacement again: {:?}",
        again.body
    );
    let other = w.producer.create(json!({"name": "gone"})).await;
    assert_eq!(
        w.producer.delete(&other).await.status,
        StatusCode::NO_CONTENT
    );
    let named = set(
        &w.producer,
        &image,
        &[("glint_replacement_image_id", other.id.as_str())],
    )
    .await;
    assert_glance_error(&named, StatusCode::BAD_REQUEST);
}
