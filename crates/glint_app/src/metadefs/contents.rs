//! What a namespace holds: resource types and the namespace's associations with them, property
//! and object definitions, tags. Reading needs the namespace to be visible to the caller;
//! writing is the admin's; nothing is deleted from a protected namespace.

use glint_core::metadef::{
    Association, AssociationFields, Object, ObjectFields, Property, PropertyFields, ResourceType,
    Tag, item_not_found, may_delete_from,
};
use glint_core::{AuthContext, Result};
use glint_db::metadefs as store;

use super::MetadefService;

/// The one item a lookup by name found, or the 404 of `what` `name` in `namespace`.
fn one<T>(found: Vec<T>, namespace: &str, what: &str, name: &str) -> Result<T> {
    found
        .into_iter()
        .next()
        .ok_or_else(|| item_not_found(namespace, what, name))
}

/// Ok when a change touched something, the 404 of `what` `name` otherwise.
fn touched(done: bool, namespace: &str, what: &str, name: &str) -> Result<()> {
    if done {
        Ok(())
    } else {
        Err(item_not_found(namespace, what, name))
    }
}

impl MetadefService {
    /// Every resource type.
    pub async fn resource_types(&self, _ctx: &AuthContext) -> Result<Vec<ResourceType>> {
        store::resource_types(&self.db).await
    }

    /// The resource type associations of namespace `ns`.
    pub async fn associations(&self, ctx: &AuthContext, ns: &str) -> Result<Vec<Association>> {
        self.visible(ctx, ns).await?;
        store::associations(&self.db, ns).await
    }

    /// Associates namespace `ns` with a resource type (created when new); 409 when it is.
    pub async fn associate(
        &self,
        ctx: &AuthContext,
        ns: &str,
        fields: &AssociationFields,
    ) -> Result<Association> {
        self.writable(ctx, ns).await?;
        store::associate(&self.db, ns, fields).await
    }

    /// Removes the association of namespace `ns` with `resource_type`.
    pub async fn dissociate(&self, ctx: &AuthContext, ns: &str, resource_type: &str) -> Result<()> {
        let namespace = self.writable(ctx, ns).await?;
        may_delete_from(&namespace, "its resource type associations")?;
        let done = store::dissociate(&self.db, ns, resource_type).await?;
        touched(done, ns, "resource type association", resource_type)
    }

    /// The property definitions of namespace `ns`.
    pub async fn properties(&self, ctx: &AuthContext, ns: &str) -> Result<Vec<Property>> {
        self.visible(ctx, ns).await?;
        store::properties(&self.db, ns, None).await
    }

    /// Property `name` of namespace `ns`.
    pub async fn property(&self, ctx: &AuthContext, ns: &str, name: &str) -> Result<Property> {
        self.visible(ctx, ns).await?;
        one(
            store::properties(&self.db, ns, Some(name)).await?,
            ns,
            "property",
            name,
        )
    }

    /// Adds a property definition (`replacing: None`) or replaces property `replacing`.
    pub async fn put_property(
        &self,
        ctx: &AuthContext,
        ns: &str,
        fields: &PropertyFields,
        replacing: Option<&str>,
    ) -> Result<Property> {
        self.writable(ctx, ns).await?;
        let done = store::put_property(&self.db, ns, fields, replacing).await?;
        touched(done, ns, "property", replacing.unwrap_or(&fields.name))?;
        Ok(Property {
            name: fields.name.clone(),
            definition: fields.definition.clone(),
        })
    }

    /// Deletes property `name` of namespace `ns`, or all of them (`None`).
    pub async fn delete_properties(
        &self,
        ctx: &AuthContext,
        ns: &str,
        name: Option<&str>,
    ) -> Result<()> {
        let namespace = self.writable(ctx, ns).await?;
        may_delete_from(&namespace, "its properties")?;
        let gone = store::delete_properties(&self.db, ns, name).await?;
        touched(
            gone > 0 || name.is_none(),
            ns,
            "property",
            name.unwrap_or_default(),
        )
    }

    /// The object definitions of namespace `ns`.
    pub async fn objects(&self, ctx: &AuthContext, ns: &str) -> Result<Vec<Object>> {
        self.visible(ctx, ns).await?;
        store::objects(&self.db, ns, None).await
    }

    /// Object `name` of namespace `ns`.
    pub async fn object(&self, ctx: &AuthContext, ns: &str, name: &str) -> Result<Object> {
        self.visible(ctx, ns).await?;
        one(
            store::objects(&self.db, ns, Some(name)).await?,
            ns,
            "object",
            name,
        )
    }

    /// Adds an object definition (`replacing: None`) or replaces object `replacing`.
    pub async fn put_object(
        &self,
        ctx: &AuthContext,
        ns: &str,
        fields: &ObjectFields,
        replacing: Option<&str>,
    ) -> Result<Object> {
        self.writable(ctx, ns).await?;
        let done = store::put_object(&self.db, ns, fields, replacing).await?;
        touched(done, ns, "object", replacing.unwrap_or(&fields.name))?;
        one(
            store::objects(&self.db, ns, Some(&fields.name)).await?,
            ns,
            "object",
            &fields.name,
        )
    }

    /// Deletes object `name` of namespace `ns`, or all of them (`None`).
    pub async fn delete_objects(
        &self,
        ctx: &AuthContext,
        ns: &str,
        name: Option<&str>,
    ) -> Result<()> {
        let namespace = self.writable(ctx, ns).await?;
        may_delete_from(&namespace, "its objects")?;
        let gone = store::delete_objects(&self.db, ns, name).await?;
        touched(
            gone > 0 || name.is_none(),
            ns,
            "object",
            name.unwrap_or_default(),
        )
    }

    /// The tags of namespace `ns`.
    pub async fn tags(&self, ctx: &AuthContext, ns: &str) -> Result<Vec<Tag>> {
        self.visible(ctx, ns).await?;
        store::tags(&self.db, ns, None).await
    }

    /// Tag `name` of namespace `ns`.
    pub async fn tag(&self, ctx: &AuthContext, ns: &str, name: &str) -> Result<Tag> {
        self.visible(ctx, ns).await?;
        one(
            store::tags(&self.db, ns, Some(name)).await?,
            ns,
            "tag",
            name,
        )
    }

    /// Adds tags `names` to namespace `ns`, replacing its others unless `append`; 409 when one
    /// exists (and nothing changes).
    pub async fn add_tags(
        &self,
        ctx: &AuthContext,
        ns: &str,
        names: &[String],
        append: bool,
    ) -> Result<Vec<Tag>> {
        self.writable(ctx, ns).await?;
        store::add_tags(&self.db, ns, names, append).await?;
        let all = store::tags(&self.db, ns, None).await?;
        Ok(all
            .into_iter()
            .filter(|t| names.contains(&t.name))
            .collect())
    }

    /// Renames tag `old` of namespace `ns` to `new`; 409 when `new` is taken.
    pub async fn rename_tag(
        &self,
        ctx: &AuthContext,
        ns: &str,
        old: &str,
        new: &str,
    ) -> Result<Tag> {
        self.writable(ctx, ns).await?;
        touched(
            store::rename_tag(&self.db, ns, old, new).await?,
            ns,
            "tag",
            old,
        )?;
        one(store::tags(&self.db, ns, Some(new)).await?, ns, "tag", new)
    }

    /// Deletes tag `name` of namespace `ns`, or all of them (`None`).
    pub async fn delete_tags(&self, ctx: &AuthContext, ns: &str, name: Option<&str>) -> Result<()> {
        let namespace = self.writable(ctx, ns).await?;
        may_delete_from(&namespace, "its tags")?;
        let gone = store::delete_tags(&self.db, ns, name).await?;
        touched(
            gone > 0 || name.is_none(),
            ns,
            "tag",
            name.unwrap_or_default(),
        )
    }
}
