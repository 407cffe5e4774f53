//! The blob store suite: every case runs on local disk, and on S3 when GLINT_TEST_S3_URL is
//! set (`source scripts/lib/seaweedfs.sh; glint_s3_start`). Keys are fresh UUIDs, so runs can
//! share a bucket.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail loudly by design"
)]

mod listing;
mod opening;
mod reads;
#[path = "../support/mod.rs"]
mod support;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use glint_blob::{BlobError, BlobKey, BlobStore, UploadObserver};
use listing::a_folder_lists_its_objects_with_their_write_times;
use opening::a_reachable_store_passes_its_check;
use reads::{
    a_reader_seeks_and_reads_like_a_file, copy_duplicates_the_object, delete_is_idempotent,
    missing_objects_are_not_found, ranged_gets_return_exactly_the_range,
    size_reports_bytes_or_none,
};
use support::{Fixture, Generated, MIB, body, checksums, failing_body, fresh_image_key};

/// Runs each case once per store: `local::case` always, `s3::case` when S3 is configured.
/// Local runs also check that no temp file is left behind.
macro_rules! on_every_store {
    ($($case:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let fx = crate::support::Fixture::local().await;
                    super::$case(&fx).await;
                    assert_eq!(fx.temp_files(), Vec::<String>::new(), "temp files left behind");
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(fx) = crate::support::Fixture::s3().await else { return };
                    super::$case(&fx).await;
                }
            )*
        }
    };
}

on_every_store!(
    put_and_get_round_trip_with_checksums,
    the_observer_sees_every_chunk_in_order,
    ranged_gets_return_exactly_the_range,
    more_than_the_limit_is_too_large_and_leaves_nothing,
    a_failing_body_leaves_nothing,
    a_rejecting_observer_leaves_nothing,
    a_failed_upload_keeps_the_previous_object,
    an_upload_dropped_half_way_leaves_nothing,
    delete_is_idempotent,
    copy_duplicates_the_object,
    size_reports_bytes_or_none,
    missing_objects_are_not_found,
    a_reader_seeks_and_reads_like_a_file,
    a_folder_lists_its_objects_with_their_write_times,
    a_reachable_store_passes_its_check,
);
pub(crate) async fn read_all(
    store: &BlobStore,
    key: &BlobKey,
    range: Option<(u64, u64)>,
) -> Vec<u8> {
    let stream = store.get(key, range).await.expect("get");
    let expected = stream.len();
    let data: Vec<Bytes> = stream.try_collect().await.expect("read the stream");
    let data = data.concat();
    assert_eq!(
        data.len() as u64,
        expected,
        "the stream carries what it announced"
    );
    data
}

pub(crate) async fn put_generated(store: &BlobStore, key: &BlobKey, len: usize, seed: u64) {
    store
        .put(key, body(len, 64 * 1024, seed), u64::MAX, None)
        .await
        .expect("put");
}
async fn put_and_get_round_trip_with_checksums(fx: &Fixture) {
    // Published digests of "" and "a", then 20 MiB (plus an odd tail) checked against a
    // direct computation, with chunks of several shapes.
    let empty = (
        "d41d8cd98f00b204e9800998ecf8427e",
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce\
         47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    );
    let key = fresh_image_key();
    let out = fx.store.put(&key, body(0, 1, 1), 0, None).await.unwrap();
    assert_eq!(
        (out.size, out.md5_hex.as_str(), out.sha512_hex.as_str()),
        (0, empty.0, empty.1)
    );
    assert_eq!(read_all(&fx.store, &key, None).await, b"");
    assert_eq!(fx.store.size(&key).await.unwrap(), Some(0));

    let key = fresh_image_key();
    let one = futures::stream::iter([Ok::<_, String>(Bytes::from_static(b"a"))]);
    let out = fx.store.put(&key, one, 1, None).await.unwrap();
    assert_eq!(out.size, 1);
    assert_eq!(out.md5_hex, "0cc175b9c0f1b6a831c399e269772661");
    assert_eq!(
        out.sha512_hex,
        "1f40fc92da241694750979ee6cf582f2d5d7d28e18335de05abc54d0560e0f53\
         02860c652bf08d560252aa5e74210546f369fbbbce8c12cfc7957b2652fe9a75"
    );
    assert_eq!(read_all(&fx.store, &key, None).await, b"a");

    let len = 20 * MIB + 3;
    for chunk in [16 * 1024, 1_000_003, 9 * MIB] {
        let key = fresh_image_key();
        let out = fx
            .store
            .put(&key, body(len, chunk, 7), len as u64, None)
            .await
            .unwrap();
        let (md5, sha512) = checksums(Generated::new(len, chunk, 7));
        assert_eq!(out.size, len as u64);
        assert_eq!(out.md5_hex, md5, "md5 with {chunk}-byte chunks");
        assert_eq!(out.sha512_hex, sha512, "sha512 with {chunk}-byte chunks");

        let stream = fx.store.get(&key, None).await.unwrap();
        assert_eq!(
            (stream.object_size(), stream.range()),
            (len as u64, 0..len as u64)
        );
        let chunks: Vec<Bytes> = stream.try_collect().await.unwrap();
        assert!(
            chunks.iter().all(|c| c.len() <= 16 * MIB),
            "downloads come in bounded chunks"
        );
        assert_eq!(
            checksums(chunks),
            (md5, sha512),
            "the stored bytes are the sent bytes"
        );
    }
}

async fn the_observer_sees_every_chunk_in_order(fx: &Fixture) {
    let key = fresh_image_key();
    let len = 3 * MIB + 5;
    let mut seen = Vec::new();
    let mut observe = |chunk: &[u8]| {
        seen.push(Bytes::copy_from_slice(chunk));
        Ok(())
    };
    let out = fx
        .store
        .put(&key, body(len, 100_000, 3), u64::MAX, Some(&mut observe))
        .await
        .unwrap();
    assert_eq!(seen.len(), len.div_ceil(100_000));
    assert_eq!(checksums(seen), (out.md5_hex, out.sha512_hex));
}

async fn more_than_the_limit_is_too_large_and_leaves_nothing(fx: &Fixture) {
    // Past one 8 MiB part, so S3 has a multipart upload to abort.
    let limit = 9 * MIB as u64 + 1;
    let key = fresh_image_key();
    let err = fx
        .store
        .put(&key, body(limit as usize + 1, 64 * 1024, 5), limit, None)
        .await;
    assert!(
        matches!(err, Err(BlobError::TooLarge { limit: l }) if l == limit),
        "{err:?}"
    );
    assert_eq!(fx.store.size(&key).await.unwrap(), None);

    let key = fresh_image_key();
    let err = fx.store.put(&key, body(101, 10, 5), 100, None).await;
    assert!(
        matches!(err, Err(BlobError::TooLarge { limit: 100 })),
        "{err:?}"
    );
    assert_eq!(fx.store.size(&key).await.unwrap(), None);

    // Exactly the limit is fine.
    let key = fresh_image_key();
    let out = fx
        .store
        .put(&key, body(limit as usize, 64 * 1024, 5), limit, None)
        .await
        .unwrap();
    assert_eq!(out.size, limit);
}

async fn a_failing_body_leaves_nothing(fx: &Fixture) {
    for len in [10 * MIB, 1000] {
        let key = fresh_image_key();
        let err = fx
            .store
            .put(&key, failing_body(len, 9), u64::MAX, None)
            .await;
        assert!(
            matches!(&err, Err(BlobError::Body(m)) if m.contains("client hung up")),
            "{err:?}"
        );
        assert_eq!(fx.store.size(&key).await.unwrap(), None);
    }
}

async fn a_rejecting_observer_leaves_nothing(fx: &Fixture) {
    let mut seen = 0usize;
    let mut refuse_late = |chunk: &[u8]| {
        seen += chunk.len();
        if seen > 10 * MIB {
            Err("not a qcow2 image".to_owned())
        } else {
            Ok(())
        }
    };
    let late = body(12 * MIB, 64 * 1024, 2);
    refused_leaves_nothing(fx, late, &mut refuse_late, "not a qcow2 image").await;

    let mut refuse_first = |_: &[u8]| Err("bad magic".to_owned());
    refused_leaves_nothing(fx, body(10, 10, 2), &mut refuse_first, "bad magic").await;

    // Refused only once the whole body is in: nothing may become visible either.
    let mut at_end = RefuseAtEnd { chunks: 0 };
    let whole = body(9 * MIB, 64 * 1024, 2);
    refused_leaves_nothing(fx, whole, &mut at_end, "the footer says vhd").await;
    assert_eq!(at_end.chunks, (9 * MIB).div_ceil(64 * 1024));
}

/// Puts `data` under a fresh key past `observer`, which must refuse it with `message`; nothing
/// may be stored.
async fn refused_leaves_nothing<S, E>(
    fx: &Fixture,
    data: S,
    observer: &mut dyn UploadObserver,
    message: &str,
) where
    S: futures::Stream<Item = Result<Bytes, E>> + Send + Unpin,
    E: std::fmt::Display,
{
    let key = fresh_image_key();
    let err = fx.store.put(&key, data, u64::MAX, Some(observer)).await;
    assert!(
        matches!(&err, Err(BlobError::Rejected(m)) if m == message),
        "{err:?}"
    );
    assert_eq!(fx.store.size(&key).await.unwrap(), None);
}

/// Accepts every chunk, then refuses the data once the body has ended.
struct RefuseAtEnd {
    chunks: usize,
}

impl UploadObserver for RefuseAtEnd {
    fn chunk(&mut self, _: &[u8]) -> Result<(), String> {
        self.chunks += 1;
        Ok(())
    }

    fn end(&mut self) -> Result<(), String> {
        Err("the footer says vhd".to_owned())
    }
}

async fn a_failed_upload_keeps_the_previous_object(fx: &Fixture) {
    let key = fresh_image_key();
    put_generated(&fx.store, &key, 1000, 4).await;
    let err = fx
        .store
        .put(&key, failing_body(9 * MIB, 5), u64::MAX, None)
        .await;
    assert!(matches!(err, Err(BlobError::Body(_))));
    assert_eq!(
        read_all(&fx.store, &key, None).await,
        Generated::new(1000, 64 * 1024, 4).collect()
    );
}

async fn an_upload_dropped_half_way_leaves_nothing(fx: &Fixture) {
    // The body stalls after 9 MiB (past S3's first part); the request is then cancelled,
    // which drops the upload future: its temp file or multipart upload must go with it.
    let key = fresh_image_key();
    let (reached_stall, stalled) = tokio::sync::oneshot::channel::<()>();
    let hang = futures::stream::once(async move {
        let _ = reached_stall.send(());
        futures::future::pending::<Result<Bytes, std::convert::Infallible>>().await
    });
    let stalling = Box::pin(body(9 * MIB, 64 * 1024, 1).chain(hang));
    tokio::select! {
        result = fx.store.put(&key, stalling, u64::MAX, None) => panic!("a stalled upload ended: {result:?}"),
        _ = stalled => {}
    }
    fx.store.settle().await;
    assert_eq!(fx.store.size(&key).await.unwrap(), None);
}
