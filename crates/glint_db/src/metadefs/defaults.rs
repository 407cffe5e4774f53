//! Glance's default metadata definitions (the JSON files of `crates/glint_db/metadefs/`,
//! embedded in the binary) and Glance's base resource types, loaded into the store after every
//! migration: each file once, recorded in `metadef_loaded_files`, so a definition the admin
//! deletes or changes stays as the admin left it, and a namespace of the same name that already
//! exists is left alone. The whole load is one transaction of a few statements.

use glint_core::metadef::DefinitionDocument;
use glint_core::{Error, Result, Timestamp};

use super::{TYPE_COLUMNS, insert_documents, insert_rows};
use crate::Db;
use crate::sql::{self, Value};

/// The owner of the default definitions, as Glance loads them.
const OWNER: &str = "admin";

/// The resource types Glance's own migrations create, recorded under this name.
const BASE_TYPES_KEY: &str = "resource-types";
const BASE_TYPES: &[&str] = &[
    "OS::Glance::Image",
    "OS::Cinder::Volume",
    "OS::Nova::Flavor",
    "OS::Nova::Aggregate",
    "OS::Nova::Server",
];

/// Each default definition file: its name and its text.
pub(crate) const FILES: &[(&str, &str)] = &[
    (
        "cim-processor-allocation-setting-data.json",
        include_str!("../../metadefs/cim-processor-allocation-setting-data.json"),
    ),
    (
        "cim-resource-allocation-setting-data.json",
        include_str!("../../metadefs/cim-resource-allocation-setting-data.json"),
    ),
    (
        "cim-storage-allocation-setting-data.json",
        include_str!("../../metadefs/cim-storage-allocation-setting-data.json"),
    ),
    (
        "cim-virtual-system-setting-data.json",
        include_str!("../../metadefs/cim-virtual-system-setting-data.json"),
    ),
    (
        "compute-aggr-disk-filter.json",
        include_str!("../../metadefs/compute-aggr-disk-filter.json"),
    ),
    (
        "compute-aggr-iops-filter.json",
        include_str!("../../metadefs/compute-aggr-iops-filter.json"),
    ),
    (
        "compute-aggr-num-instances.json",
        include_str!("../../metadefs/compute-aggr-num-instances.json"),
    ),
    (
        "compute-cpu-mode.json",
        include_str!("../../metadefs/compute-cpu-mode.json"),
    ),
    (
        "compute-cpu-pinning.json",
        include_str!("../../metadefs/compute-cpu-pinning.json"),
    ),
    (
        "compute-guest-memory-backing.json",
        include_str!("../../metadefs/compute-guest-memory-backing.json"),
    ),
    (
        "compute-guest-shutdown.json",
        include_str!("../../metadefs/compute-guest-shutdown.json"),
    ),
    (
        "compute-host-capabilities.json",
        include_str!("../../metadefs/compute-host-capabilities.json"),
    ),
    (
        "compute-hypervisor.json",
        include_str!("../../metadefs/compute-hypervisor.json"),
    ),
    (
        "compute-instance-data.json",
        include_str!("../../metadefs/compute-instance-data.json"),
    ),
    (
        "compute-libvirt-image.json",
        include_str!("../../metadefs/compute-libvirt-image.json"),
    ),
    (
        "compute-libvirt.json",
        include_str!("../../metadefs/compute-libvirt.json"),
    ),
    (
        "compute-quota.json",
        include_str!("../../metadefs/compute-quota.json"),
    ),
    (
        "compute-randomgen.json",
        include_str!("../../metadefs/compute-randomgen.json"),
    ),
    (
        "compute-vcputopology.json",
        include_str!("../../metadefs/compute-vcputopology.json"),
    ),
    (
        "compute-vmware-flavor.json",
        include_str!("../../metadefs/compute-vmware-flavor.json"),
    ),
    (
        "compute-vmware-quota-flavor.json",
        include_str!("../../metadefs/compute-vmware-quota-flavor.json"),
    ),
    (
        "compute-vmware.json",
        include_str!("../../metadefs/compute-vmware.json"),
    ),
    (
        "compute-vtpm-hw.json",
        include_str!("../../metadefs/compute-vtpm-hw.json"),
    ),
    (
        "compute-vtpm.json",
        include_str!("../../metadefs/compute-vtpm.json"),
    ),
    (
        "compute-watchdog.json",
        include_str!("../../metadefs/compute-watchdog.json"),
    ),
    (
        "compute-xenapi.json",
        include_str!("../../metadefs/compute-xenapi.json"),
    ),
    (
        "glance-common-image-props.json",
        include_str!("../../metadefs/glance-common-image-props.json"),
    ),
    (
        "image-signature-verification.json",
        include_str!("../../metadefs/image-signature-verification.json"),
    ),
    (
        "operating-system.json",
        include_str!("../../metadefs/operating-system.json"),
    ),
    (
        "software-databases.json",
        include_str!("../../metadefs/software-databases.json"),
    ),
    (
        "software-runtimes.json",
        include_str!("../../metadefs/software-runtimes.json"),
    ),
    (
        "software-webservers.json",
        include_str!("../../metadefs/software-webservers.json"),
    ),
    (
        "storage-volume-type.json",
        include_str!("../../metadefs/storage-volume-type.json"),
    ),
];

/// Loads whatever has not been loaded yet. A node that loses a race with another node loading
/// at the same moment reads again what that node loaded.
pub(crate) async fn load(db: &Db) -> Result<()> {
    match load_pending(db).await {
        Err(Error::Conflict { .. }) => load_pending(db).await,
        done => done,
    }
}

async fn load_pending(db: &Db) -> Result<()> {
    let loaded: Vec<String> = sql::query("SELECT file FROM metadef_loaded_files")
        .fetch_all(db)
        .await?
        .iter()
        .map(|row| row.try_get("file"))
        .collect::<std::result::Result<_, _>>()?;
    let pending: Vec<&str> = FILES
        .iter()
        .map(|(name, _)| *name)
        .chain([BASE_TYPES_KEY])
        .filter(|name| !loaded.iter().any(|l| l == name))
        .collect();
    if pending.is_empty() {
        return Ok(());
    }
    let now = Timestamp::now();
    let existing: Vec<String> = sql::query("SELECT namespace FROM metadef_namespaces")
        .fetch_all(db)
        .await?
        .iter()
        .map(|row| row.try_get("namespace"))
        .collect::<std::result::Result<_, _>>()?;
    let mut documents = Vec::new();
    for (name, text) in FILES.iter().filter(|(name, _)| pending.contains(name)) {
        let document = parse(name, text)?;
        if !existing.contains(&document.fields.namespace) {
            documents.push(document);
        }
    }
    let mut tx = db.begin_write().await?;
    if pending.contains(&BASE_TYPES_KEY) {
        let at = || Value::from(now.micros());
        let rows = BASE_TYPES
            .iter()
            .map(|name| vec![Value::from(*name), Value::from(1), at(), at()])
            .collect();
        insert_rows(&mut tx, "metadef_resource_types", TYPE_COLUMNS, rows, true).await?;
    }
    let owned: Vec<(&DefinitionDocument, &str)> = documents.iter().map(|d| (d, OWNER)).collect();
    insert_documents(&mut tx, &owned, now).await?;
    let marks = pending
        .iter()
        .map(|name| vec![Value::from(*name), Value::from(now.micros())])
        .collect();
    // A node migrating at the same moment may have loaded them first: its rows stand.
    insert_rows(
        &mut tx,
        "metadef_loaded_files",
        &["file", "loaded_at"],
        marks,
        true,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The definition in file `name`.
pub(crate) fn parse(name: &str, text: &str) -> Result<DefinitionDocument> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::Internal(format!("default metadefs {name}: {e}")))?;
    DefinitionDocument::parse(&value)
        .map_err(|e| Error::Internal(format!("default metadefs {name}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_definition_file_parses() {
        for (name, text) in FILES {
            let document = parse(name, text).unwrap();
            assert!(!document.fields.namespace.is_empty(), "{name}");
        }
        assert_eq!(FILES.len(), 33);
    }
}
