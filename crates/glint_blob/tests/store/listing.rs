//! Listing a folder: every object put there is listed once with the time it was written, an
//! object deleted is no longer listed, and other folders' objects are not.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use futures::TryStreamExt;
use glint_blob::BlobKey;

use crate::put_generated;
use crate::support::{Fixture, fresh_image_key};

pub(crate) async fn a_folder_lists_its_objects_with_their_write_times(fx: &Fixture) {
    let before = SystemTime::now() - Duration::from_secs(5);
    let keys: Vec<BlobKey> = (0..3).map(|_| fresh_image_key()).collect();
    for key in &keys {
        put_generated(&fx.store, key, 1024, 3).await;
    }
    let disk = BlobKey::disk(&uuid::Uuid::new_v4().to_string()).unwrap();
    put_generated(&fx.store, &disk, 1024, 4).await;
    fx.store.delete(&keys[2]).await.unwrap();

    let listed: Vec<_> = fx.store.list("images").try_collect().await.unwrap();
    let names: HashSet<&str> = listed.iter().map(|o| o.key.as_str()).collect();
    assert!(names.contains(keys[0].as_str()) && names.contains(keys[1].as_str()));
    assert!(
        !names.contains(keys[2].as_str()),
        "a deleted object is listed"
    );
    assert!(
        !names.contains(disk.as_str()),
        "another folder's object is listed"
    );
    assert_eq!(names.len(), listed.len(), "an object is listed twice");
    for object in listed.iter().filter(|o| o.key == keys[0]) {
        assert!(object.modified >= before, "{:?}", object.modified);
        assert_eq!(object.key.folder(), "images");
    }
    let disks: Vec<_> = fx.store.list("disks").try_collect().await.unwrap();
    assert!(disks.iter().any(|o| o.key == disk));
}
