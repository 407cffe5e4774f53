//! The service catalog: for each region an account may use, its image and compute endpoints,
//! plus the identity endpoint. A region the account may not use appears nowhere.

use glint_core::RegionName;

/// Which network an endpoint is meant for (all three point at the same place here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interface {
    Public,
    Internal,
    Admin,
}

impl Interface {
    /// Every interface, as Keystone lists them.
    pub const ALL: [Interface; 3] = [Interface::Public, Interface::Internal, Interface::Admin];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Interface::Public => "public",
            Interface::Internal => "internal",
            Interface::Admin => "admin",
        }
    }
}

/// One endpoint of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub id: String,
    pub interface: Interface,
    pub region: RegionName,
    pub url: String,
}

/// One service in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub id: String,
    pub service_type: &'static str,
    pub name: &'static str,
    pub endpoints: Vec<Endpoint>,
}

/// A catalog as a token carries it.
pub type Catalog = Vec<Service>;

/// Builds catalogs from the public base URL every endpoint hangs off.
#[derive(Debug, Clone)]
pub struct CatalogService {
    base_url: String,
}

impl CatalogService {
    /// `base_url` is how clients reach this server, e.g. `http://127.0.0.1:9292`.
    pub fn new(base_url: &str) -> Self {
        CatalogService {
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The public base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The identity API's URL, the clients' auth URL.
    pub fn identity_url(&self) -> String {
        format!("{}/identity/v3", self.base_url)
    }

    /// The image endpoint of a region (unversioned, as clients expect).
    pub fn image_url(&self, region: &RegionName) -> String {
        format!("{}/image/{region}", self.base_url)
    }

    /// The compute endpoint of a region.
    pub fn compute_url(&self, region: &RegionName) -> String {
        format!("{}/compute/{region}/v2.1", self.base_url)
    }

    /// The catalog for an account that may use `regions`.
    pub fn for_regions(&self, regions: &[RegionName]) -> Catalog {
        let service = |service_type: &'static str,
                       name: &'static str,
                       url: &dyn Fn(&RegionName) -> String| {
            Service {
                id: format!("glint-{service_type}"),
                service_type,
                name,
                endpoints: regions
                    .iter()
                    .flat_map(|region| {
                        Interface::ALL
                            .into_iter()
                            .map(move |interface| (region, interface))
                    })
                    .map(|(region, interface)| Endpoint {
                        id: format!("{service_type}-{region}-{}", interface.as_str()),
                        interface,
                        region: region.clone(),
                        url: url(region),
                    })
                    .collect(),
            }
        };
        vec![
            service("identity", "keystone", &|_| self.identity_url()),
            service("image", "glance", &|r| self.image_url(r)),
            service("compute", "nova", &|r| self.compute_url(r)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str) -> RegionName {
        RegionName::from_trusted(name.to_owned())
    }

    #[test]
    fn lists_exactly_the_allowed_regions() {
        let catalog = CatalogService::new("http://h:9292/").for_regions(&[r("DFW"), r("IAD")]);
        let types: Vec<_> = catalog.iter().map(|s| s.service_type).collect();
        assert_eq!(types, ["identity", "image", "compute"]);
        let image = &catalog[1];
        assert_eq!(image.endpoints.len(), 6);
        assert!(image.endpoints.iter().all(|e| e.region != r("LON")));
        assert_eq!(image.endpoints[0].url, "http://h:9292/image/DFW");
        assert_eq!(
            catalog[2].endpoints[3].url,
            "http://h:9292/compute/IAD/v2.1"
        );
        assert_eq!(catalog[0].endpoints[0].url, "http://h:9292/identity/v3");
    }

    #[test]
    fn no_regions_means_no_endpoints() {
        let catalog = CatalogService::new("http://h").for_regions(&[]);
        assert!(catalog.iter().all(|s| s.endpoints.is_empty()));
    }
}
