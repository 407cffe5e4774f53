"""The web-download import method with the real clients: glanceclient asks for
the import of a qcow2 served by a local HTTP server (the only place the fetch
may go: the server's port and 127.0.0.1 are allowed in SERVER_ENV); the image
becomes active and `openstack image show` gives the served data's checksum.
A redirect to the metadata address leaves the image queued with
os_glance_failed_import, and a URI on another port is refused at once.
"""

from __future__ import annotations

import hashlib
import time

import pytest

from disk_images import qcow2_bytes
from local_source import reachable, serve

DATA = qcow2_bytes("16M")

PORT = serve(
    {"/disk.qcow2": DATA},
    redirects={"/redirect": "http://169.254.169.254/latest/meta-data/"},
)
SERVER_ENV = reachable(PORT)
USER = "wendy"


@pytest.fixture(scope="module")
def account(make_account):
    return make_account("webdl", {USER: "member"}, number="9100001")


def settled(glance, image_id: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        image = glance.images.get(image_id)
        if image["status"] == "active" or (
            image["status"] == "queued" and "os_glance_failed_import" in image
        ):
            return image
        assert time.monotonic() < deadline, dict(image)
        time.sleep(0.2)


def test_glanceclient_imports_from_a_url_and_the_cli_shows_its_checksum(account):
    glance = account.glance(USER)
    image = glance.images.create(name="from-url", disk_format="qcow2", container_format="bare")
    glance.images.image_import(image["id"], method="web-download",
                               uri=f"http://127.0.0.1:{PORT}/disk.qcow2")
    assert settled(glance, image["id"])["status"] == "active"
    shown = account.cli(USER, "image", "show", image["id"], "-f", "json")
    assert shown["checksum"] == hashlib.md5(DATA).hexdigest()
    assert shown["size"] == len(DATA)


def test_a_redirect_to_the_metadata_address_fails_and_other_ports_are_refused(account):
    glance = account.glance(USER)
    image = glance.images.create(name="redirected", disk_format="raw", container_format="bare")
    glance.images.image_import(image["id"], method="web-download",
                               uri=f"http://127.0.0.1:{PORT}/redirect")
    failed = settled(glance, image["id"])
    assert failed["status"] == "queued"
    assert failed["os_glance_failed_import"] == ""

    other = glance.images.create(name="other-port", disk_format="raw", container_format="bare")
    with pytest.raises(Exception) as refused:
        glance.images.image_import(other["id"], method="web-download",
                                   uri=f"http://127.0.0.1:{PORT + 1}/disk.qcow2")
    assert "does not pass filtering" in str(refused.value)
    assert glance.images.get(other["id"])["status"] == "queued"
