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
use serde::Deserialize;
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

/// A region name from a path: one that cannot be a region's name is an unknown region.
pub(crate) fn region(raw: &str) -> Result<RegionName, Error> {
    RegionName::parse(raw).map_err(|_| Error::not_found(Kind::Region, raw))
}

/// `{region}`.
pub(crate) struct RegionPath {
    pub region: RegionName,
}

#[derive(Deserialize)]
pub(crate) struct RawRegion {
    region: String,
}

impl PathParams for RegionPath {
    type Raw = RawRegion;

    fn parse(raw: RawRegion) -> Result<Self, Error> {
        Ok(RegionPath {
            region: region(&raw.region)?,
        })
    }
}

/// `{region}` and `{image_id}`. An id that is not a UUID, or a region that cannot exist, finds
/// no image: `NotFound` for the image, as for an id the store does not know.
pub(crate) struct ImagePath {
    pub region: RegionName,
    pub image: ImageId,
}

#[derive(Deserialize)]
pub(crate) struct RawImage {
    region: String,
    image_id: String,
}

impl ImagePath {
    pub(crate) fn from_raw(region: &str, image_id: &str) -> Result<Self, Error> {
        let unknown = || Error::not_found(Kind::Image, image_id);
        Ok(ImagePath {
            region: RegionName::parse(region).map_err(|_| unknown())?,
            image: ImageId::parse(image_id).map_err(|_| unknown())?,
        })
    }
}

impl PathParams for ImagePath {
    type Raw = RawImage;

    fn parse(raw: RawImage) -> Result<Self, Error> {
        ImagePath::from_raw(&raw.region, &raw.image_id)
    }
}

/// `{region}`, `{image_id}` and `{tag}`.
pub(crate) struct TagPath {
    pub at: ImagePath,
    pub tag: String,
}

#[derive(Deserialize)]
pub(crate) struct RawTag {
    region: String,
    image_id: String,
    tag: String,
}

impl PathParams for TagPath {
    type Raw = RawTag;

    fn parse(raw: RawTag) -> Result<Self, Error> {
        Ok(TagPath {
            at: ImagePath::from_raw(&raw.region, &raw.image_id)?,
            tag: raw.tag,
        })
    }
}

/// `{region}`, `{image_id}` and `{member_id}` (any account number; the store decides whether
/// the image has such a member).
pub(crate) struct MemberPath {
    pub at: ImagePath,
    pub member: String,
}

#[derive(Deserialize)]
pub(crate) struct RawMember {
    region: String,
    image_id: String,
    member_id: String,
}

impl PathParams for MemberPath {
    type Raw = RawMember;

    fn parse(raw: RawMember) -> Result<Self, Error> {
        Ok(MemberPath {
            at: ImagePath::from_raw(&raw.region, &raw.image_id)?,
            member: raw.member_id,
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
