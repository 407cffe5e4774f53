//! Server disks: a copy of the image's data in the region's store, made in the background when
//! a server is built or rebuilt; the server turns `ACTIVE` once its disk is durable, `ERROR` if
//! the copy fails.

use glint_blob::BlobKey;
use glint_core::compute::{Server, ServerStatus};
use glint_core::image::ImageId;
use glint_core::{Error, Result};
use glint_db::servers;

use super::ComputeService;

pub(crate) fn disk_key(server: &Server) -> Result<BlobKey> {
    BlobKey::disk(&server.id).map_err(|e| Error::Internal(e.to_string()))
}

impl ComputeService {
    /// Copies the image's data to the server's disk, then moves it from `from` to `ACTIVE`.
    pub(crate) fn spawn_disk(&self, server: Server, image: ImageId, from: ServerStatus) {
        let service = self.clone();
        tokio::spawn(async move {
            match service.make_disk(&server, &image).await {
                Ok(()) => {
                    if let Err(e) = servers::transition(
                        &service.db,
                        &server.id,
                        from,
                        ServerStatus::Active,
                        None,
                        None,
                    )
                    .await
                    {
                        tracing::warn!(error = %e, server = %server.id, "server changed while its disk was made");
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, server = %server.id, "could not make the server's disk");
                    let _ = servers::transition(
                        &service.db,
                        &server.id,
                        from,
                        ServerStatus::Error,
                        None,
                        None,
                    )
                    .await;
                }
            }
        });
    }

    async fn make_disk(&self, server: &Server, image: &ImageId) -> Result<()> {
        self.images
            .copy_data_into(&server.region, image, &disk_key(server)?)
            .await
    }

    /// Removes a deleted server's disk; failures are logged.
    pub(crate) async fn drop_disk(&self, server: &Server) {
        let Ok(store) = self.stores.for_region(&server.region).await else {
            return;
        };
        if let Ok(key) = disk_key(server)
            && let Err(e) = store.delete(&key).await
        {
            tracing::warn!(error = %e, server = %server.id, "could not remove the server's disk");
        }
    }
}
