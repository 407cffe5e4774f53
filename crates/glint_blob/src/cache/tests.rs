//! The disk cache as specs: fills served whole and by range, wrong or cut data refused, the
//! size limit, a reopen, concurrent fills and removal during a fill.

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use md5::{Digest, Md5};

use super::*;
use crate::hashing::hex;

fn expected(data: &[u8]) -> Expected {
    let sha = ring::digest::digest(&ring::digest::SHA512, data);
    Expected {
        size: data.len() as u64,
        md5_hex: hex(&Md5::digest(data)),
        sha512_hex: Some(hex(sha.as_ref())),
    }
}

fn stream_of(data: &[u8]) -> BlobStream {
    let chunks: Vec<Result<Bytes, BlobError>> = data
        .chunks(1000)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let size = data.len() as u64;
    BlobStream::new(futures::stream::iter(chunks).boxed(), size, 0..size)
}

async fn collect(stream: BlobStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut inner = stream.into_inner();
    while let Some(chunk) = inner.next().await {
        out.extend_from_slice(&chunk.expect("chunk"));
    }
    out
}

fn key(image: &str) -> CacheKey {
    CacheKey::new("DFW", image).expect("key")
}

#[tokio::test]
async fn a_fill_is_served_whole_and_by_range_and_counted() {
    let dir = tempfile::tempdir().expect("dir");
    let cache = DiskCache::open(dir.path().to_path_buf(), 1 << 20)
        .await
        .expect("open");
    let data: Vec<u8> = (0..5000).map(|i| (i % 251) as u8).collect();
    assert!(
        cache
            .fill(&key("a"), stream_of(&data), expected(&data))
            .await
            .expect("fill")
    );
    let whole = cache
        .read(&key("a"), None)
        .await
        .expect("hit")
        .expect("read");
    assert_eq!(collect(whole).await, data);
    let part = cache
        .read(&key("a"), Some((10, 19)))
        .await
        .expect("hit")
        .expect("read");
    assert_eq!(collect(part).await, &data[10..20]);
    let listed = cache.entries("DFW");
    assert_eq!((listed.len(), listed[0].hits, listed[0].size), (1, 2, 5000));
    assert!(cache.entries("IAD").is_empty());
}

#[tokio::test]
async fn wrong_or_short_data_leaves_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let cache = DiskCache::open(dir.path().to_path_buf(), 1 << 20)
        .await
        .expect("open");
    let data = vec![7u8; 3000];
    let mut other = data.clone();
    other[1500] = 8;
    assert!(
        cache
            .fill(&key("a"), stream_of(&other), expected(&data))
            .await
            .is_err()
    );
    assert!(
        cache
            .fill(&key("a"), stream_of(&data[..2000]), expected(&data))
            .await
            .is_err()
    );
    assert!(cache.read(&key("a"), None).await.is_none());
    let files: Vec<_> = std::fs::read_dir(dir.path().join("data/DFW"))
        .expect("folder")
        .collect();
    assert!(files.is_empty(), "nothing left on disk: {files:?}");
}

#[tokio::test]
async fn the_least_recently_used_entry_goes_first() {
    let dir = tempfile::tempdir().expect("dir");
    let cache = DiskCache::open(dir.path().to_path_buf(), 2500)
        .await
        .expect("open");
    let data = vec![1u8; 1000];
    for image in ["a", "b"] {
        cache
            .fill(&key(image), stream_of(&data), expected(&data))
            .await
            .expect("fill");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = cache.read(&key("a"), None).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    cache
        .fill(&key("c"), stream_of(&data), expected(&data))
        .await
        .expect("fill");
    let left: Vec<String> = cache
        .entries("DFW")
        .into_iter()
        .map(|e| e.key.image)
        .collect();
    assert_eq!(left, ["a", "c"]);
    let too_big = vec![2u8; 3000];
    assert!(
        !cache
            .fill(&key("d"), stream_of(&too_big), expected(&too_big))
            .await
            .expect("fill")
    );
}

#[tokio::test]
async fn entries_and_the_queue_survive_a_reopen() {
    let dir = tempfile::tempdir().expect("dir");
    let cache = DiskCache::open(dir.path().to_path_buf(), 1 << 20)
        .await
        .expect("open");
    let data = vec![3u8; 100];
    cache
        .fill(&key("a"), stream_of(&data), expected(&data))
        .await
        .expect("fill");
    cache.queue(&key("b")).await.expect("queue");
    cache.queue(&key("b")).await.expect("queue again");
    drop(cache);
    let cache = DiskCache::open(dir.path().to_path_buf(), 1 << 20)
        .await
        .expect("reopen");
    assert_eq!(cache.entries("DFW").len(), 1);
    assert_eq!(cache.queued(Some("DFW")).await.expect("queued"), [key("b")]);
    assert_eq!(cache.clear_queue("DFW").await.expect("clear"), 1);
    assert_eq!(cache.clear("DFW").await.expect("clear"), 1);
    assert!(cache.entries("DFW").is_empty());
}

#[tokio::test]
async fn two_tees_of_one_image_fill_it_once() {
    let dir = tempfile::tempdir().expect("dir");
    let cache = DiskCache::open(dir.path().to_path_buf(), 1 << 20)
        .await
        .expect("open");
    let data: Vec<u8> = (0..50_000).map(|i| (i % 13) as u8).collect();
    let first = cache.tee(&key("a"), stream_of(&data), expected(&data));
    let second = cache.tee(&key("a"), stream_of(&data), expected(&data));
    let (a, b) = tokio::join!(collect(first), collect(second));
    assert_eq!(
        (a.as_slice(), b.as_slice()),
        (data.as_slice(), data.as_slice())
    );
    for _ in 0..100 {
        if cache.contains(&key("a")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let whole = cache
        .read(&key("a"), None)
        .await
        .expect("hit")
        .expect("read");
    assert_eq!(collect(whole).await, data);
}

#[test]
fn keys_are_plain_names() {
    assert!(CacheKey::new("DFW", "0b4e-11").is_ok());
    for (region, image) in [("DFW", "../x"), ("", "a"), ("DFW", "a/b"), ("D.F", "a")] {
        assert!(CacheKey::new(region, image).is_err(), "{region}/{image}");
    }
}

#[tokio::test]
async fn an_image_removed_while_it_is_filled_is_not_admitted() {
    let dir = tempfile::tempdir().expect("dir");
    let cache = DiskCache::open(dir.path().to_path_buf(), 1 << 20)
        .await
        .expect("open");
    let data = vec![4u8; 4000];
    let (tx, rx) = futures::channel::mpsc::unbounded::<Result<Bytes, BlobError>>();
    let body = BlobStream::new(rx.boxed(), 4000, 0..4000);
    let teed = cache.tee(&key("a"), body, expected(&data));
    tx.unbounded_send(Ok(Bytes::copy_from_slice(&data[..2000])))
        .expect("send");
    let reading = tokio::spawn(collect(teed));
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(
        !cache.remove(&key("a")).await.expect("remove"),
        "not cached yet"
    );
    tx.unbounded_send(Ok(Bytes::copy_from_slice(&data[2000..])))
        .expect("send");
    drop(tx);
    assert_eq!(
        reading.await.expect("download"),
        data,
        "the download is whole"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!cache.contains(&key("a")));
    let files: Vec<_> = std::fs::read_dir(dir.path().join("data/DFW"))
        .expect("folder")
        .collect();
    assert!(files.is_empty(), "nothing left on disk: {files:?}");
}
