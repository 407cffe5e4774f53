//! Path parameters parsed into domain types once, at the edge (`Typed<P, E>`): region names and
//! image ids are checked as the store names them, and a segment that cannot name anything is
//! answered exactly as a name the store does not know (404), in the API's own error shape `E`.

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use glint_core::error::Kind;
use glint_core::image::ImageId;
use glint_core::{Error, RegionName};
use serde::de::DeserializeOwned;

use crate::error::ImageError;

/// Parameters of a route's path, read as strings and then parsed into domain types.
pub(crate) trait PathParams: Sized {
    /// The parameters as the route names them.
    type Raw: DeserializeOwned + Send;

    /// The domain values; `NotFound` for a segment that cannot name anything.
    fn parse(raw: Self::Raw) -> Result<Self, Error>;
}

/// The path parameters `P` of a request, parsed; a refusal is rendered as `E` (the Image API's
/// shape unless said otherwise). Segments that are not valid UTF-8 after percent-decoding are
/// refused as axum refuses them. Where the reference checks a body or header before it looks
/// the image up (a 400 before the 404), the handler takes the raw parameters (`Path<RawImage>`)
/// and parses them with `PathParams::parse` after those checks instead, and `NoBody` comes
/// before `Typed`, so that the order of answers stays the reference's.
pub(crate) struct Typed<P, E = ImageError>(pub P, pub PhantomData<E>);

impl<P, E, S> FromRequestParts<S> for Typed<P, E>
where
    P: PathParams,
    E: From<Error> + IntoResponse,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<P::Raw>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        P::parse(raw)
            .map(|parsed| Typed(parsed, PhantomData))
            .map_err(|e| E::from(e).into_response())
    }
}

/// The raw segments of each kind of path, in the route's order, for handlers that parse their
/// path after other checks.
pub(crate) type RawRegion = String;
pub(crate) type RawRegionItem = (String, String);
pub(crate) type RawImage = (String, String);
pub(crate) type RawImageItem = (String, String, String);

/// A region name from a path: one that cannot be a region's name is an unknown region.
pub(crate) fn region(raw: &str) -> Result<RegionName, Error> {
    RegionName::parse(raw).map_err(|_| Error::not_found(Kind::Region, raw))
}

/// `{region}`.
pub(crate) struct RegionPath {
    pub region: RegionName,
}

impl PathParams for RegionPath {
    type Raw = RawRegion;

    fn parse(raw: String) -> Result<Self, Error> {
        Ok(RegionPath {
            region: region(&raw)?,
        })
    }
}

/// `{region}` and the id of something in it (a server, a flavor), which the service looks up.
pub(crate) struct RegionItemPath {
    pub region: RegionName,
    pub id: String,
}

impl PathParams for RegionItemPath {
    type Raw = RawRegionItem;

    fn parse((raw_region, id): (String, String)) -> Result<Self, Error> {
        Ok(RegionItemPath {
            region: region(&raw_region)?,
            id,
        })
    }
}

/// `{region}` and `{image_id}`. An id that is not a UUID, or a region that cannot exist, finds
/// no image: `NotFound` for the image, as for an id the store does not know.
pub(crate) struct ImagePath {
    pub region: RegionName,
    pub image: ImageId,
}

impl ImagePath {
    fn from_raw(region: &str, image_id: &str) -> Result<Self, Error> {
        let unknown = || Error::not_found(Kind::Image, image_id);
        Ok(ImagePath {
            region: RegionName::parse(region).map_err(|_| unknown())?,
            image: ImageId::parse(image_id).map_err(|_| unknown())?,
        })
    }
}

impl PathParams for ImagePath {
    type Raw = RawImage;

    fn parse((region, image_id): (String, String)) -> Result<Self, Error> {
        ImagePath::from_raw(&region, &image_id)
    }
}

/// `{region}`, `{image_id}` and one more segment naming something of the image: a tag, a
/// member's account number, a consumer's answer. The service decides whether it exists.
pub(crate) struct ImageItemPath {
    pub at: ImagePath,
    pub item: String,
}

impl PathParams for ImageItemPath {
    type Raw = RawImageItem;

    fn parse((region, image_id, item): (String, String, String)) -> Result<Self, Error> {
        Ok(ImageItemPath {
            at: ImagePath::from_raw(&region, &image_id)?,
            item,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_that_name_nothing_are_unknown_images_and_regions() {
        let image = |r: &str, i: &str| ImagePath::from_raw(r, i);
        let id = "1b2c3d4e-0000-4000-8000-00000000000a";
        assert!(image("DFW", id).is_ok());
        for (r, i) in [("DFW", "nope"), ("D F W", id), ("DFW", "")] {
            assert!(matches!(
                image(r, i),
                Err(Error::NotFound {
                    kind: Kind::Image,
                    ..
                })
            ));
        }
        assert!(matches!(
            region("no such/region"),
            Err(Error::NotFound {
                kind: Kind::Region,
                ..
            })
        ));
    }
}
