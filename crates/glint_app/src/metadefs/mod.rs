//! Metadata definitions (Glance's metadefs catalog), cloud-wide: the same namespaces under every
//! region's endpoint. Every caller reads public namespaces and its own account's private ones;
//! anything else is 404, as if it did not exist. Writes are the cloud admin's alone (Glance's
//! default `metadef_admin` policy), after the lookup, so a non-admin learns nothing of a
//! namespace it cannot see; a protected namespace, and what it holds, cannot be deleted (403).
//! The rules are `glint_core::metadef`'s; `contents` serves what a namespace holds.

mod contents;

use glint_core::metadef::{
    self, Association, DefinitionDocument, ListedNamespace, Namespace, NamespaceFields,
    NamespaceQuery, Object, Property, Tag, can_see, may_delete_from, may_write,
    namespace_not_found,
};
use glint_core::{AuthContext, Result};
use glint_db::{Db, metadefs as store};

/// A namespace with everything it holds, as `GET …/namespaces/{namespace}` shows it.
#[derive(Debug, Clone)]
pub struct NamespaceDetail {
    pub namespace: Namespace,
    pub associations: Vec<Association>,
    pub properties: Vec<Property>,
    pub objects: Vec<Object>,
    pub tags: Vec<Tag>,
}

/// The metadata definitions service.
#[derive(Debug, Clone)]
pub struct MetadefService {
    db: Db,
}

impl MetadefService {
    pub fn new(db: Db) -> Self {
        MetadefService { db }
    }

    /// The namespace `name` if `ctx` may see it; 404 otherwise.
    async fn visible(&self, ctx: &AuthContext, name: &str) -> Result<Namespace> {
        match store::get(&self.db, name).await? {
            Some(namespace) if can_see(ctx, &namespace) => Ok(namespace),
            _ => Err(namespace_not_found(name)),
        }
    }

    /// The namespace `name` for a write by `ctx`: 404 when it may not see it, 403 unless admin.
    async fn writable(&self, ctx: &AuthContext, name: &str) -> Result<Namespace> {
        let namespace = self.visible(ctx, name).await?;
        may_write(ctx)?;
        Ok(namespace)
    }

    /// A page of the namespaces `ctx` may see, and the marker of the next page.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn list_namespaces(
        &self,
        ctx: &AuthContext,
        query: &NamespaceQuery,
    ) -> Result<(Vec<ListedNamespace>, Option<String>)> {
        metadef::page(store::list_all(&self.db).await?, ctx, query)
    }

    /// The namespace `name` with everything it holds; with `resource_type`, property names
    /// carry the prefix of the namespace's association with it.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn show_namespace(
        &self,
        ctx: &AuthContext,
        name: &str,
        resource_type: Option<&str>,
    ) -> Result<NamespaceDetail> {
        let namespace = self.visible(ctx, name).await?;
        let mut detail = self.detail(namespace).await?;
        if let Some(resource_type) = resource_type {
            metadef::prefix_names(
                resource_type,
                &detail.associations,
                &mut detail.properties,
                &mut detail.objects,
            );
        }
        Ok(detail)
    }

    async fn detail(&self, namespace: Namespace) -> Result<NamespaceDetail> {
        let name = namespace.namespace.clone();
        Ok(NamespaceDetail {
            associations: store::associations(&self.db, &name).await?,
            properties: store::properties(&self.db, &name, None).await?,
            objects: store::objects(&self.db, &name, None).await?,
            tags: store::tags(&self.db, &name, None).await?,
            namespace,
        })
    }

    /// Creates a namespace with what `document` holds, owned by the caller's account unless it
    /// names an owner. 409 when the name is taken.
    #[tracing::instrument(skip(self, ctx, document), fields(account = %ctx.account_id))]
    pub async fn create_namespace(
        &self,
        ctx: &AuthContext,
        document: &DefinitionDocument,
    ) -> Result<NamespaceDetail> {
        may_write(ctx)?;
        let namespace = store::create(&self.db, document, ctx.account_id.as_str()).await?;
        self.detail(namespace).await
    }

    /// Replaces the fields of namespace `name` (a rename included). 409 when the new name is
    /// taken.
    #[tracing::instrument(skip(self, ctx, fields), fields(account = %ctx.account_id))]
    pub async fn update_namespace(
        &self,
        ctx: &AuthContext,
        name: &str,
        fields: &NamespaceFields,
    ) -> Result<Namespace> {
        self.writable(ctx, name).await?;
        store::update(&self.db, name, fields)
            .await?
            .ok_or_else(|| namespace_not_found(name))
    }

    /// Deletes namespace `name` and everything it holds; 403 while it is protected.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn delete_namespace(&self, ctx: &AuthContext, name: &str) -> Result<()> {
        let namespace = self.writable(ctx, name).await?;
        may_delete_from(&namespace, "it")?;
        if store::delete(&self.db, name).await? {
            Ok(())
        } else {
            Err(namespace_not_found(name))
        }
    }
}
