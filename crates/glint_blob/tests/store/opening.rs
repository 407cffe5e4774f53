//! Cases outside the per-store suite: opening and describing stores, key validation, and
//! uploads on spawned tasks.

use glint_blob::{BlobError, BlobKey, BlobStore};

use crate::support::{Fixture, body, fresh_image_key};

#[test]
fn keys_that_could_escape_the_store_are_refused() {
    for id in ["a/b", "..", "../etc", "a/../b", ".", "", "x y", "ü"] {
        assert!(
            matches!(BlobKey::image(id), Err(BlobError::InvalidKey(_))),
            "{id:?}"
        );
        assert!(
            matches!(BlobKey::staging(id), Err(BlobError::InvalidKey(_))),
            "{id:?}"
        );
        assert!(
            matches!(BlobKey::disk(id), Err(BlobError::InvalidKey(_))),
            "{id:?}"
        );
    }
}

#[tokio::test]
async fn uploads_can_run_on_spawned_tasks() {
    let fx = Fixture::local().await;
    let store = fx.store.clone();
    let key = fresh_image_key();
    let task = tokio::spawn(async move { store.put(&key, body(1000, 100, 1), 1000, None).await });
    assert_eq!(task.await.unwrap().unwrap().size, 1000);
}

#[tokio::test]
async fn bad_locations_fail_to_open_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let err = BlobStore::open(&file.display().to_string())
        .await
        .unwrap_err();
    assert!(matches!(err, BlobError::InvalidConfig(_)), "{err}");

    let unreachable = "s3://images?endpoint=http://127.0.0.1:1&access_key_id=k&secret_access_key=verysecret&allow_http=true";
    let err = BlobStore::open(unreachable).await.unwrap_err();
    assert!(matches!(err, BlobError::Unavailable(_)), "{err}");
    assert!(
        err.to_string()
            .contains("s3://images at http://127.0.0.1:1"),
        "{err}"
    );
    assert!(!err.to_string().contains("verysecret"), "{err}");
}

#[tokio::test]
async fn stores_describe_themselves_without_secrets() {
    let fx = Fixture::local().await;
    let root = fx.root.as_ref().unwrap();
    assert_eq!(
        fx.store.describe(),
        format!("local disk at {}", root.display())
    );
    assert!(format!("{:?}", fx.store).contains("local disk at"));
    if let Some(s3) = Fixture::s3().await {
        let shown = s3.store.describe();
        assert!(
            shown.starts_with("s3://") && shown.contains(" at http"),
            "{shown}"
        );
        assert!(!shown.contains("secret") && !format!("{:?}", s3.store).contains("secret"));
    }
}

#[tokio::test]
async fn wrong_s3_credentials_or_bucket_fail_to_open() {
    let Ok(url) = std::env::var("GLINT_TEST_S3_URL") else {
        eprintln!("skipping: GLINT_TEST_S3_URL is not set");
        return;
    };
    let Some((base, rest)) = url.split_once("secret_access_key=") else {
        eprintln!("skipping: GLINT_TEST_S3_URL carries no secret_access_key");
        return;
    };
    let after = rest
        .split_once('&')
        .map(|(_, r)| format!("&{r}"))
        .unwrap_or_default();
    let wrong = format!("{base}secret_access_key=wrong-secret{after}");
    let err = BlobStore::open(&wrong).await.unwrap_err();
    assert!(matches!(err, BlobError::InvalidConfig(_)), "{err}");
    assert!(!err.to_string().contains("wrong-secret"), "{err}");

    let (_, after_bucket) = url.split_once('?').unwrap_or((&url, ""));
    let missing = format!(
        "s3://no-such-bucket-{}?{after_bucket}",
        uuid::Uuid::new_v4()
    );
    let err = BlobStore::open(&missing).await.unwrap_err();
    assert!(matches!(err, BlobError::InvalidConfig(_)), "{err}");
}
#[tokio::test]
async fn opening_a_local_store_removes_temp_files_left_by_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    BlobStore::open(&root.display().to_string()).await.unwrap();
    let images = root.join("images");
    let stale = images.join(".abc.0123.tmp");
    let live = images.join(".def.4567.tmp");
    let data = images.join("abc");
    for path in [&stale, &live, &data] {
        std::fs::write(path, b"x").unwrap();
    }
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for path in [&stale, &data] {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(two_hours_ago).unwrap();
    }
    BlobStore::open(&root.display().to_string()).await.unwrap();
    assert!(
        !stale.exists(),
        "a temp file untouched for two hours is removed"
    );
    assert!(live.exists(), "a temp file still being written is kept");
    assert!(data.exists(), "objects are never touched");
}

/// A store that answers passes its check (the health check's view of it).
pub(crate) async fn a_reachable_store_passes_its_check(fx: &Fixture) {
    fx.store.check().await.unwrap();
}

#[tokio::test]
async fn a_local_store_whose_folder_is_removed_fails_its_check() {
    let fx = Fixture::local().await;
    fx.store.check().await.unwrap();
    std::fs::remove_dir_all(fx.root.as_ref().unwrap()).unwrap();
    let err = fx.store.check().await.unwrap_err();
    assert!(matches!(err, BlobError::Unavailable(_)), "{err}");
}
