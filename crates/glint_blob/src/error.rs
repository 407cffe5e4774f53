//! The blob store's error type: what can go wrong while storing or reading image bytes.
//!
//! Each variant tells the caller what to do next: `TooLarge`, `Body` and `Rejected` are the
//! uploader's fault (4xx), `NotFound` and `RangeNotSatisfiable` answer a read, `Full` means the
//! store has no room (4xx as the reference answers it), `Unavailable` is the store's fault (5xx,
//! retry later) and `InvalidConfig` / `InvalidKey` are programming or
//! deployment mistakes. Messages never contain credentials.

/// Everything a `BlobStore` operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The upload carried more than `limit` bytes; nothing was stored.
    #[error("the data is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    /// The incoming body failed (typically the client hung up); nothing was stored.
    #[error("the request body failed: {0}")]
    Body(String),
    /// The upload's observer refused the data; nothing was stored.
    #[error("the data was rejected: {0}")]
    Rejected(String),
    /// No object under that key.
    #[error("no data stored under that key")]
    NotFound,
    /// The requested byte range lies outside an object of `size` bytes.
    #[error("the requested range is outside the data ({size} bytes)")]
    RangeNotSatisfiable { size: u64 },
    /// The store has no room for the data (a full disk or quota); nothing was stored.
    #[error("the store is full: {0}")]
    Full(String),
    /// The store is down or failed (I/O error, network error, server error).
    #[error("the blob store is unavailable: {0}")]
    Unavailable(String),
    /// The store URL or its settings are wrong.
    #[error("invalid blob store configuration: {0}")]
    InvalidConfig(String),
    /// An id cannot be used as part of an object key.
    #[error("invalid blob key: {0}")]
    InvalidKey(String),
}

impl BlobError {
    pub(crate) fn io(what: &str, err: &std::io::Error) -> Self {
        // ENOSPC and EDQUOT: no room left, which retrying soon will not change.
        if matches!(err.raw_os_error(), Some(28 | 122)) {
            return BlobError::Full(format!("{what}: {err}"));
        }
        BlobError::Unavailable(format!("{what}: {err}"))
    }

    pub(crate) fn join(err: &tokio::task::JoinError) -> Self {
        BlobError::Unavailable(format!("a background task failed: {err}"))
    }
}

impl From<object_store::Error> for BlobError {
    fn from(err: object_store::Error) -> Self {
        match err {
            object_store::Error::NotFound { .. } => BlobError::NotFound,
            other => BlobError::Unavailable(other.to_string()),
        }
    }
}
