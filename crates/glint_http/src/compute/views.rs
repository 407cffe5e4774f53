//! Compute wire views: servers and flavors as Nova shows them at microversion 2.45, plus the
//! plain statement that no hypervisor runs the server.

use glint_core::compute::{Flavor, Server, ServerStatus};
use serde_json::{Value, json};

/// What Glint puts where Nova names the host: no hypervisor runs servers here.
pub(crate) const NO_HYPERVISOR: &str =
    "none (Glint records servers and their disks; no hypervisor runs them)";

fn links(base: &str, kind: &str, id: &str) -> Value {
    json!([
        {"rel": "self", "href": format!("{base}/{kind}/{id}")},
        {"rel": "bookmark", "href": format!("{base}/{kind}/{id}")},
    ])
}

/// A flavor in full.
pub(crate) fn flavor(base: &str, f: &Flavor) -> Value {
    json!({
        "id": f.id,
        "name": f.name,
        "vcpus": f.vcpus,
        "ram": f.ram,
        "disk": f.disk,
        "swap": "",
        "rxtx_factor": 1.0,
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "OS-FLV-DISABLED:disabled": false,
        "os-flavor-access:is_public": true,
        "links": links(base, "flavors", &f.id),
    })
}

/// A flavor as a list entry.
pub(crate) fn flavor_brief(base: &str, f: &Flavor) -> Value {
    json!({"id": f.id, "name": f.name, "links": links(base, "flavors", &f.id)})
}

/// A server in full.
pub(crate) fn server(base: &str, image_base: &str, s: &Server) -> Value {
    let power_state = if s.status == ServerStatus::Active {
        1
    } else {
        0
    };
    json!({
        "id": s.id,
        "name": s.name,
        "status": s.status.as_str(),
        "tenant_id": s.account_id.as_str(),
        "user_id": s.user_id.as_str(),
        "metadata": {},
        "hostId": "",
        "image": {"id": s.image_id.as_str(), "links": [{"rel": "bookmark", "href": format!("{image_base}/v2/images/{}", s.image_id)}]},
        "flavor": {"id": s.flavor_id, "links": [{"rel": "bookmark", "href": format!("{base}/flavors/{}", s.flavor_id)}]},
        "created": s.created_at.to_glance(),
        "updated": s.updated_at.to_glance(),
        "addresses": {},
        "accessIPv4": "",
        "accessIPv6": "",
        "links": links(base, "servers", &s.id),
        "OS-DCF:diskConfig": "MANUAL",
        "progress": if s.status == ServerStatus::Active { 100 } else { 0 },
        "OS-EXT-AZ:availability_zone": s.region.as_str(),
        "OS-EXT-SRV-ATTR:host": NO_HYPERVISOR,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": NO_HYPERVISOR,
        "OS-EXT-STS:vm_state": s.status.vm_state(),
        "OS-EXT-STS:task_state": s.task_state,
        "OS-EXT-STS:power_state": power_state,
        "OS-SRV-USG:launched_at": s.launched_at.map(|t| t.to_glance()),
        "OS-SRV-USG:terminated_at": null,
        "os-extended-volumes:volumes_attached": [],
        "security_groups": [],
        "config_drive": "",
        "key_name": null,
        "description": null,
        "locked": false,
        "tags": [],
        "networks": s.networks,
    })
}
