"""This node's image cache with the real binary and openstacksdk (glanceclient's
cache commands ask for an advertised v2.14 first, so the SDK drives it here):
the cloud admin queues an image, the server's worker caches it in the
background and lists it; downloads match the checksum and are served from the
cache even once the stored file is gone; a member is refused every cache call;
clearing empties the cache and queue, and a deleted image leaves it.
"""

from __future__ import annotations

import hashlib
import os
import time

from pathlib import Path

import openstack.exceptions
import pytest

from conftest import Account, GlintServer

SERVER_ENV = {"GLINT__IMAGE_CACHE__SWEEP_INTERVAL_SECS": "1"}
USER = "cora"
DATA = os.urandom(3 * 1024 * 1024 + 17)


@pytest.fixture(scope="module")
def account(make_account):
    return make_account("cachers", {USER: "member"}, number="9200001")


@pytest.fixture(scope="module")
def second_node(glint_server, glint_bin, tmp_path_factory):
    """Another `glint serve` on the first one's database and image store, with a
    data folder (and so a node id and an image cache) of its own."""
    database_url = glint_server.database_url or (
        f"sqlite://{glint_server.data_dir / 'glint.db'}?mode=rwc"
    )
    node = GlintServer(glint_bin, Path(tmp_path_factory.mktemp("glint-node2")), database_url)
    node.extra_env = {
        "GLINT__STORAGE__URL": f"{glint_server.data_dir}/images/{{region}}",
        **SERVER_ENV,
    }
    node.start(float(os.environ.get("GLINT_E2E_START_TIMEOUT", "30")))
    yield node
    node.stop()


def on(node: GlintServer, account: Account) -> Account:
    """The same account, its clients talking to `node`."""
    return Account(node, account.name, account.number, account.region, account.passwords)


def wait_cached(admin_sdk, image_id: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        cache = admin_sdk.image.get_image_cache()
        for entry in cache.cached_images or []:
            if entry["image_id"] == image_id:
                return dict(entry)
        assert time.monotonic() < deadline, cache.to_dict()
        time.sleep(0.2)


def cached_ids(admin_sdk) -> list[str]:
    return [e["image_id"] for e in admin_sdk.image.get_image_cache().cached_images or []]


def test_an_admin_queues_an_image_and_downloads_come_from_the_cache(
    account, cloud_admin, glint_server
):
    member = account.sdk(USER)
    admin = cloud_admin.sdk("admin")
    image = member.image.create_image(
        name="cached", data=DATA, disk_format="raw", container_format="bare"
    )
    image = member.image.get_image(image.id)
    assert image.status == "active"
    assert image.checksum == hashlib.md5(DATA).hexdigest()

    with pytest.raises(openstack.exceptions.ForbiddenException):
        member.image.get_image_cache()
    with pytest.raises(openstack.exceptions.ForbiddenException):
        member.image.queue_image(image.id)

    admin.image.queue_image(image.id)
    entry = wait_cached(admin, image.id)
    assert entry["size"] == len(DATA)
    assert admin.image.get_image_cache().queued_images == []

    # With the stored file gone, only this node's cache can serve the data.
    stored = glint_server.data_dir / "images" / "DFW" / "images" / image.id
    assert stored.is_file()
    stored.unlink()
    for _ in range(2):
        body = member.image.download_image(image).content
        assert hashlib.md5(body).hexdigest() == image.checksum
        assert hashlib.sha512(body).hexdigest() == image.hash_value
    assert wait_cached(admin, image.id)["hits"] == 2

    # A bad clear target is refused (plain request: the SDK only sends the valid ones).
    session = cloud_admin.session("admin")
    resp = session.request(
        glint_server.image_url("DFW") + "/v2/cache", "DELETE",
        headers={"x-image-cache-clear-target": "invalid"}, raise_exc=False,
    )
    assert resp.status_code == 400
    assert cached_ids(admin) == [image.id]

    admin.image.clear_cache("both")
    cache = admin.image.get_image_cache()
    assert (cache.cached_images, cache.queued_images) == ([], [])
    member.image.delete_image(image.id)


def test_a_deleted_image_leaves_the_cache(account, cloud_admin):
    member = account.sdk(USER)
    admin = cloud_admin.sdk("admin")
    image = member.image.create_image(
        name="short-lived", data=DATA[:4096], disk_format="raw", container_format="bare"
    )
    admin.image.queue_image(image.id)
    wait_cached(admin, image.id)
    member.image.delete_image(image.id)
    assert image.id not in cached_ids(admin)
    with pytest.raises(openstack.exceptions.NotFoundException):
        admin.image.queue_image(image.id)


def test_each_node_has_its_own_cache_and_a_deletion_elsewhere_empties_it(
    account, cloud_admin, second_node
):
    member = account.sdk(USER)
    admin = cloud_admin.sdk("admin")
    elsewhere = on(second_node, cloud_admin)
    admin_b = elsewhere.sdk("admin")
    image = member.image.create_image(
        name="two-nodes", data=DATA[:8192], disk_format="raw", container_format="bare"
    )
    admin.image.queue_image(image.id)
    wait_cached(admin, image.id)
    assert image.id not in cached_ids(admin_b)

    on(second_node, account).sdk(USER).image.delete_image(image.id)
    deadline = time.monotonic() + 30
    while image.id in cached_ids(admin):
        assert time.monotonic() < deadline, "the first node kept the deleted image"
        time.sleep(0.2)
    elsewhere.close()
