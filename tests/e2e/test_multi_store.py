"""Several stores per region with the real clients: every region has a local
disk store ("disk", the default, read first) and a SeaweedFS S3 store
("objects"). openstacksdk lists them; an image uploaded with glanceclient lands
on disk, the `openstack` CLI copies it to S3 with the copy-image import method,
glanceclient removes the disk copy and the data still downloads with its
checksum from S3; openstacksdk imports staged data into both stores at once, and
the last store of an image cannot be removed.

Needs GLINT_TEST_S3_URL (source scripts/lib/seaweedfs.sh; glint_s3_start);
skips without it unless GLINT_REQUIRE_S3=1.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
import urllib.parse
import uuid

import pytest

S3_URL = os.environ.get("GLINT_TEST_S3_URL", "")
if not S3_URL:
    if os.environ.get("GLINT_REQUIRE_S3") == "1":
        raise RuntimeError("GLINT_REQUIRE_S3=1 but GLINT_TEST_S3_URL is not set")
    pytest.skip("GLINT_TEST_S3_URL is not set (source scripts/lib/seaweedfs.sh; glint_s3_start)",
                allow_module_level=True)


def _region_template(s3_url: str) -> str:
    """The S3 URL with every key of this run under a prefix of its own, per region."""
    parts = urllib.parse.urlsplit(s3_url)
    prefix = f"e2e-stores-{uuid.uuid4().hex[:10]}"
    path = parts.path.rstrip("/") + f"/{prefix}/{{region}}"
    return urllib.parse.urlunsplit(parts._replace(path=path))


SERVER_ENV = {
    "GLINT__STORAGE__STORES__DISK__DEFAULT": "true",
    "GLINT__STORAGE__STORES__DISK__WEIGHT": "100",
    "GLINT__STORAGE__STORES__DISK__DESCRIPTION": "Local disk",
    "GLINT__STORAGE__STORES__OBJECTS__URL": _region_template(S3_URL),
    "GLINT__STORAGE__STORES__OBJECTS__WEIGHT": "50",
    "GLINT__STORAGE__STORES__OBJECTS__DESCRIPTION": "SeaweedFS",
}
USER = "stella"
DATA = os.urandom(3 * 1024 * 1024 + 17)


@pytest.fixture(scope="module")
def account(make_account):
    return make_account("stores", {USER: "member"}, number="9200001")


def _wait(glance, image_id: str, done) -> dict:
    deadline = time.monotonic() + 60
    while True:
        image = glance.images.get(image_id)
        if done(image):
            return image
        assert time.monotonic() < deadline, dict(image)
        time.sleep(0.2)


def _downloaded(glance, image_id: str) -> bytes:
    return b"".join(glance.images.data(image_id))


def test_openstacksdk_lists_both_stores(account):
    conn = account.sdk(USER)
    stores = {s.id: s for s in conn.image.stores()}
    assert set(stores) == {"disk", "objects"}
    assert stores["disk"].is_default
    assert not stores["objects"].is_default
    assert stores["objects"].description == "SeaweedFS"


def test_copy_to_s3_then_removing_the_disk_copy_keeps_the_data(account, cloud_admin, tmp_path):
    glance = account.glance(USER)
    image = glance.images.create(name="both-stores", disk_format="raw", container_format="bare")
    glance.images.upload(image["id"], io.BytesIO(DATA))
    uploaded = glance.images.get(image["id"])
    assert uploaded["stores"] == "disk"
    assert uploaded["checksum"] == hashlib.md5(DATA).hexdigest()

    cloud_admin.cli("admin", "image", "import", image["id"], "--method", "copy-image",
                    "--store", "objects")
    copied = _wait(glance, image["id"],
                   lambda i: i.get("os_glance_importing_to_stores") == "")
    assert copied["stores"] == "disk,objects"
    assert copied["os_glance_failed_import"] == ""

    glance.images.delete_from_store("disk", image["id"])
    left = glance.images.get(image["id"])
    assert left["stores"] == "objects"
    saved = tmp_path / "saved.raw"
    account.cli(USER, "image", "save", "--file", str(saved), image["id"])
    assert hashlib.md5(saved.read_bytes()).hexdigest() == left["checksum"]
    assert _downloaded(glance, image["id"]) == DATA

    with pytest.raises(Exception) as refused:
        glance.images.delete_from_store("objects", image["id"])
    assert "only store" in str(refused.value)
    assert glance.images.get(image["id"])["stores"] == "objects"


def test_openstacksdk_imports_into_both_stores_and_uploads_go_where_asked(account):
    conn = account.sdk(USER)
    glance = account.glance(USER)
    staged = conn.image.create_image(name="imported-both", disk_format="raw",
                                     container_format="bare")
    conn.image.stage_image(staged, data=DATA)
    conn.image.import_image(staged, method="glance-direct", stores=["objects", "disk"])
    imported = _wait(glance, staged.id, lambda i: i["status"] == "active")
    assert imported["stores"] == "disk,objects"
    assert imported["os_hash_value"] == hashlib.sha512(DATA).hexdigest()

    chosen = glance.images.create(name="on-s3", disk_format="raw", container_format="bare")
    glance.images.upload(chosen["id"], io.BytesIO(DATA), backend="objects")
    assert glance.images.get(chosen["id"])["stores"] == "objects"
    assert _downloaded(glance, chosen["id"]) == DATA
    conn.image.delete_image(chosen["id"])
    conn.image.delete_image(staged.id)
