//! Cases on reading and managing stored objects: ranges, size, delete, copy.

use glint_blob::{BlobError, BlobKey};

use crate::support::{Fixture, Generated, MIB, fresh_image_key};
use crate::{put_generated, read_all};

pub(crate) async fn ranged_gets_return_exactly_the_range(fx: &Fixture) {
    let key = fresh_image_key();
    let len = 3 * MIB + 17;
    let data = Generated::new(len, 64 * 1024, 11).collect();
    put_generated(&fx.store, &key, len, 11).await;
    let size = len as u64;
    for (start, end) in [
        (0, 0),
        (1000, 300_000),
        (MIB as u64 - 1, 2 * MIB as u64),
        (size - 10, size - 1),
    ] {
        let got = read_all(&fx.store, &key, Some((start, end))).await;
        assert_eq!(
            got,
            data[start as usize..=end as usize],
            "range {start}-{end}"
        );
    }
    // An end past the object is clamped, as HTTP does.
    let stream = fx
        .store
        .get(&key, Some((size - 10, size + 100)))
        .await
        .unwrap();
    assert_eq!(
        (stream.object_size(), stream.range()),
        (size, size - 10..size)
    );
    assert_eq!(
        read_all(&fx.store, &key, Some((size - 10, size + 100))).await,
        data[len - 10..]
    );
    for bad in [(size, size + 1), (5, 4)] {
        assert!(matches!(
            fx.store.get(&key, Some(bad)).await,
            Err(BlobError::RangeNotSatisfiable { size: s }) if s == size
        ));
    }
}

pub(crate) async fn delete_is_idempotent(fx: &Fixture) {
    let key = fresh_image_key();
    put_generated(&fx.store, &key, 4096, 6).await;
    fx.store.delete(&key).await.unwrap();
    assert_eq!(fx.store.size(&key).await.unwrap(), None);
    fx.store.delete(&key).await.unwrap();
    fx.store.delete(&fresh_image_key()).await.unwrap();
}

pub(crate) async fn copy_duplicates_the_object(fx: &Fixture) {
    let from = fresh_image_key();
    let to = BlobKey::disk(&uuid::Uuid::new_v4().to_string()).unwrap();
    let len = 2 * MIB + 1;
    put_generated(&fx.store, &from, len, 8).await;
    fx.store.copy(&from, &to).await.unwrap();
    let original = Generated::new(len, 64 * 1024, 8).collect();
    assert_eq!(read_all(&fx.store, &to, None).await, original);
    // The copy is independent of its source.
    fx.store.delete(&from).await.unwrap();
    assert_eq!(fx.store.size(&to).await.unwrap(), Some(len as u64));
    assert!(matches!(
        fx.store.copy(&from, &to).await,
        Err(BlobError::NotFound)
    ));
    assert_eq!(fx.store.size(&to).await.unwrap(), Some(len as u64));
}

pub(crate) async fn size_reports_bytes_or_none(fx: &Fixture) {
    let key = BlobKey::staging(&uuid::Uuid::new_v4().to_string()).unwrap();
    assert_eq!(fx.store.size(&key).await.unwrap(), None);
    put_generated(&fx.store, &key, 123_457, 10).await;
    assert_eq!(fx.store.size(&key).await.unwrap(), Some(123_457));
}

pub(crate) async fn missing_objects_are_not_found(fx: &Fixture) {
    let key = fresh_image_key();
    assert!(matches!(
        fx.store.get(&key, None).await,
        Err(BlobError::NotFound)
    ));
    assert!(matches!(
        fx.store.get(&key, Some((0, 1))).await,
        Err(BlobError::NotFound)
    ));
}

pub(crate) async fn a_reader_seeks_and_reads_like_a_file(fx: &Fixture) {
    let key = fresh_image_key();
    let len = 2 * MIB + 4321;
    put_generated(&fx.store, &key, len, 7).await;
    let expected: Vec<u8> = Generated::new(len, 64 * 1024, 7).collect();
    let reader = fx.store.reader(&key).await.unwrap();
    let got = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Seek, SeekFrom};
        let mut reader = reader;
        let mut pieces = Vec::new();
        // Across a block edge, from the end, backwards, past the end, then everything.
        for (at, n) in [(MIB as u64 - 10, 20), (0, 512), (len as u64 - 100, 100)] {
            reader.seek(SeekFrom::Start(at)).unwrap();
            let mut buf = vec![0; n];
            reader.read_exact(&mut buf).unwrap();
            pieces.push((at, buf));
        }
        assert_eq!(reader.seek(SeekFrom::End(-5)).unwrap(), len as u64 - 5);
        assert_eq!(
            reader.seek(SeekFrom::Current(-10)).unwrap(),
            len as u64 - 15
        );
        reader.seek(SeekFrom::Start(len as u64 + 10)).unwrap();
        assert_eq!(reader.read(&mut [0; 8]).unwrap(), 0, "nothing past the end");
        reader.seek(SeekFrom::Start(0)).unwrap();
        let mut all = Vec::new();
        reader.read_to_end(&mut all).unwrap();
        (pieces, all)
    })
    .await
    .unwrap();
    for (at, piece) in got.0 {
        let at = at as usize;
        assert_eq!(piece, expected[at..at + piece.len()], "bytes at {at}");
    }
    assert!(got.1 == expected, "the whole object read back");

    let missing = fx.store.reader(&fresh_image_key()).await;
    assert!(matches!(missing, Err(BlobError::NotFound)), "{missing:?}");
}
