//! A feed request as a client writes it: the query string of a feed, read into what it asks.

use super::{EventId, EventKind};
use crate::image::ImageId;
use crate::{Error, RegionName, Result};

/// What a caller asks of its feed (the query string of a feed request).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedRequest {
    /// One region (`None`: every region the caller may use).
    pub region: Option<RegionName>,
    /// Only of these kinds (`type=`, repeated or comma-separated).
    pub kinds: Vec<EventKind>,
    /// Only for this image (`image_id=`).
    pub image: Option<ImageId>,
    /// The last event of the page before (older events follow).
    pub marker: Option<EventId>,
    /// Only events after this one (a poller's last seen).
    pub since: Option<EventId>,
    pub limit: Option<u32>,
}

impl FeedRequest {
    /// Reads a feed's query string; an unknown parameter or a bad value is `InvalidInput`.
    pub fn parse(raw_query: Option<&str>) -> Result<Self> {
        let mut request = FeedRequest::default();
        let pairs = raw_query
            .map(crate::image::query::decode_pairs)
            .unwrap_or_default();
        for (key, value) in pairs {
            match key.as_str() {
                "limit" => {
                    let limit = value.parse::<u32>().map_err(|_| {
                        Error::InvalidInput(format!(
                            "Invalid limit '{value}': it must be a whole number from 0"
                        ))
                    })?;
                    request.limit = Some(limit);
                }
                "marker" => request.marker = Some(EventId::parse(&value, "marker")?),
                "since" => request.since = Some(EventId::parse(&value, "since")?),
                "type" => {
                    for name in value.split(',').filter(|n| !n.is_empty()) {
                        request.kinds.push(name.parse()?);
                    }
                }
                "image_id" => request.image = Some(ImageId::parse(&value)?),
                other => {
                    return Err(Error::InvalidInput(format!(
                        "Unknown parameter '{other}': the events feed takes limit, marker, \
                         since, type and image_id"
                    )));
                }
            }
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_query_reads_every_parameter_and_refuses_the_rest() {
        let image = "0b4f2b43-3d2a-4b5e-8a8e-3d3b2f1e9c7a";
        let raw = format!(
            "limit=5&marker=90&since=12&type=share.accepted,share.removed&type=image.deleted&image_id={image}"
        );
        let read = FeedRequest::parse(Some(&raw)).ok();
        let expected = FeedRequest {
            region: None,
            kinds: vec![EventKind::Accepted, EventKind::Removed, EventKind::Deleted],
            image: ImageId::parse(image).ok(),
            marker: Some(EventId(90)),
            since: Some(EventId(12)),
            limit: Some(5),
        };
        assert_eq!(read, Some(expected));
        assert_eq!(FeedRequest::parse(None).ok(), Some(FeedRequest::default()));
        for bad in [
            "limit=-1",
            "marker=abc",
            "type=share",
            "image_id=x",
            "sort=id",
            "since=",
        ] {
            assert!(FeedRequest::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
