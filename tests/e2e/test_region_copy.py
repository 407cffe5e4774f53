"""Copying an image to another region, end to end: the owner asks Glint's
extension (through a keystoneauth session) to copy an image from DFW to IAD;
the real `openstack` CLI then shows the copy in IAD with the same checksum and
os_hash_value as the source, private to the owner, and shareable there with
`openstack image add project`.
"""

from __future__ import annotations

import time

import pytest

from disk_images import qcow2_bytes

OWNER = "rita"


@pytest.fixture(scope="module")
def owner(make_account):
    return make_account("regioncopy", {OWNER: "member"}, regions="DFW,IAD", number="8900001")


@pytest.fixture(scope="module")
def partner(make_account):
    return make_account("regionpartner", {"pete": "manager"}, regions="IAD", number="8900002")


def show(account, user: str, image_id: str, region: str) -> dict:
    return account.cli(user, "image", "show", image_id, "-f", "json", region=region)


def test_a_copy_in_another_region_has_the_same_data_and_is_shareable_there(owner, partner, tmp_path):
    path = tmp_path / "web.qcow2"
    path.write_bytes(qcow2_bytes("32M"))
    source = owner.cli(OWNER, "image", "create", "web-base", "--disk-format", "qcow2",
                       "--container-format", "bare", "--property", "os_distro=debian",
                       "--file", str(path), "-f", "json", region="DFW")
    session = owner.session(OWNER)
    resp = session.request(
        owner.server.base_url + f"/image/DFW/v2/images/{source['id']}/actions/glint-copy-to-region",
        "POST", json={"region": "IAD"}, raise_exc=False,
    )
    assert resp.status_code == 202, resp.text
    copy_id = resp.json()["id"]
    assert resp.headers["Location"].endswith(f"/image/IAD/v2/images/{copy_id}")

    deadline = time.monotonic() + 60
    while (copy := show(owner, OWNER, copy_id, "IAD"))["status"] != "active":
        assert copy["status"] in ("queued", "importing"), copy
        assert time.monotonic() < deadline, copy
        time.sleep(0.3)
    original = show(owner, OWNER, source["id"], "DFW")
    assert copy["checksum"] == original["checksum"]
    assert copy["properties"]["os_hash_value"] == original["properties"]["os_hash_value"]
    assert copy["properties"]["os_hash_algo"] == "sha512"
    assert copy["size"] == original["size"]
    assert copy["visibility"] == "private"
    assert copy["owner"] == original["owner"]
    assert copy["properties"]["glint_source_image_id"] == source["id"]
    assert copy["properties"]["os_distro"] == "debian"
    listed = {row["ID"] for row in owner.cli(OWNER, "image", "list", "-f", "json", region="IAD")}
    assert copy_id in listed and source["id"] not in listed

    owner.cli(OWNER, "image", "set", "--shared", copy_id, region="IAD")
    owner.cli(OWNER, "image", "add", "project", copy_id, partner.number, region="IAD")
    partner.cli("pete", "image", "set", "--accept", copy_id, region="IAD")
    seen = show(partner, "pete", copy_id, "IAD")
    assert seen["checksum"] == original["checksum"]
