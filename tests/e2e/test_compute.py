"""Compute v2.1 end to end with the real `openstack` CLI (and openstacksdk
where the CLI cannot go): flavors, a server booted from an uploaded image,
rebuilt, saved as a new image and deleted; and the lifetime of a server booted
from a shared image whose producer later withdraws it."""

from __future__ import annotations

import hashlib

import pytest

from disk_images import qcow2_bytes

DATA = qcow2_bytes("1G")
DATA_MD5 = hashlib.md5(DATA).hexdigest()

USER = "cal"  # member of the compute account
PRODUCER = "pia"  # member of the producer account
CONSUMER = "cole"  # member of the consumer account


@pytest.fixture(scope="module")
def acct(make_account):
    return make_account("computeco", {USER: "member"}, regions="DFW", number="7300001")


@pytest.fixture(scope="module")
def image_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("compute") / "root.qcow2"
    path.write_bytes(DATA)
    return path


@pytest.fixture(scope="module")
def base_image(acct, image_file):
    """The image servers boot from, uploaded with the CLI."""
    image = acct.cli(
        USER, "image", "create", "--file", str(image_file), "--disk-format", "qcow2",
        "--container-format", "bare", "base-os", "-f", "json",
    )
    assert image["status"] == "active", image
    return image


@pytest.fixture(scope="module")
def server(acct, base_image):
    """A server created with `openstack server create --wait`."""
    return acct.cli(
        USER, "server", "create", "--image", base_image["id"], "--flavor", "m1.tiny",
        "--nic", "none", "--wait", "web-1", "-f", "json",
    )


def image_id_of(server_json) -> str:
    """`server show` prints the image as 'NAME (ID)', or just the ID when the
    image can no longer be read."""
    text = server_json["image"]
    return text.rsplit("(", 1)[-1].rstrip(")") if "(" in text else text


def test_flavor_list(acct):
    flavors = acct.cli(USER, "flavor", "list", "-f", "json")
    by_name = {f["Name"]: f for f in flavors}
    assert {"m1.tiny", "m1.small", "m1.medium", "m1.large"} <= set(by_name), flavors
    sizes = [by_name[n]["RAM"] for n in ("m1.tiny", "m1.small", "m1.medium", "m1.large")]
    assert sizes == sorted(sizes) and len(set(sizes)) == 4, sizes
    assert by_name["m1.tiny"]["VCPUs"] >= 1
    assert by_name["m1.tiny"]["Disk"] >= 1


def test_server_create_waits_for_active(acct, base_image, server):
    assert server["name"] == "web-1"
    assert server["status"] == "ACTIVE", server
    assert image_id_of(server) == base_image["id"]
    assert server["flavor"].startswith("m1.tiny"), server["flavor"]
    assert server["project_id"] == acct.number


def test_server_list_and_show(acct, base_image, server):
    listed = acct.cli(USER, "server", "list", "-f", "json")
    rows = [row for row in listed if row["ID"] == server["id"]]
    assert len(rows) == 1, listed
    assert rows[0]["Name"] == "web-1"
    assert rows[0]["Status"] == "ACTIVE"
    assert rows[0]["Image"] == "base-os"
    assert rows[0]["Flavor"] == "m1.tiny"

    shown = acct.cli(USER, "server", "show", "web-1", "-f", "json")
    assert shown["id"] == server["id"]
    assert shown["status"] == "ACTIVE"
    assert image_id_of(shown) == base_image["id"]


def test_server_rebuild(acct, base_image, server):
    acct.cli(USER, "server", "rebuild", "--image", base_image["id"], "--wait", server["id"])
    shown = acct.cli(USER, "server", "show", server["id"], "-f", "json")
    assert shown["status"] == "ACTIVE"
    assert image_id_of(shown) == base_image["id"]


def test_server_image_create_saves_the_disk(acct, base_image, server):
    acct.cli(USER, "server", "image", "create", "--name", "web-1-snap", "--wait", server["id"])
    snap = acct.cli(USER, "image", "show", "web-1-snap", "-f", "json")
    assert snap["status"] == "active", snap
    assert snap["id"] != base_image["id"]
    assert snap["owner"] == acct.number
    assert snap["checksum"] == base_image["checksum"] == DATA_MD5
    assert snap["size"] == len(DATA)
    # A snapshot boots like any other image.
    conn = acct.sdk(USER)
    assert conn.image.download_image(snap["id"]).content == DATA


def test_server_delete(acct, server):
    acct.cli(USER, "server", "delete", "--wait", server["id"])
    listed = acct.cli(USER, "server", "list", "-f", "json")
    assert server["id"] not in [row["ID"] for row in listed], listed
    gone = acct.cli(USER, "server", "show", server["id"], check=False)
    assert gone.returncode != 0, gone.stdout


# --------------------------------------------------------------------------
# a server booted from a shared image outlives the share


@pytest.fixture(scope="module")
def producer(make_account):
    return make_account("bootprod", {PRODUCER: "member"}, regions="DFW", number="7300002")


@pytest.fixture(scope="module")
def consumer(make_account):
    return make_account("bootcons", {CONSUMER: "member"}, regions="DFW", number="7300003")


def test_shared_image_lifetime(producer, consumer, image_file):
    image = producer.cli(
        PRODUCER, "image", "create", "--file", str(image_file), "--disk-format", "qcow2",
        "--container-format", "bare", "golden", "-f", "json",
    )
    image_id = image["id"]
    producer.cli(PRODUCER, "image", "add", "project", image_id, consumer.number)

    # The consumer boots from it by id while the share is still pending.
    booted = consumer.cli(
        CONSUMER, "server", "create", "--image", image_id, "--flavor", "m1.tiny",
        "--nic", "none", "--wait", "from-shared", "-f", "json",
    )
    assert booted["status"] == "ACTIVE", booted
    assert image_id_of(booted) == image_id

    # The producer withdraws the share, then deletes the image.
    producer.cli(PRODUCER, "image", "remove", "project", image_id, consumer.number)
    producer.cli(PRODUCER, "image", "delete", image_id)
    assert producer.cli(PRODUCER, "image", "show", image_id, check=False).returncode != 0

    shown = consumer.cli(CONSUMER, "server", "show", booted["id"], "-f", "json")
    assert shown["status"] == "ACTIVE", "the server keeps running"
    assert image_id_of(shown) == image_id

    # Rebuild from its own image still works. (`openstack server rebuild`
    # reads the image from the image API before it calls compute, so it
    # cannot rebuild from an image the caller no longer sees; the compute
    # call itself is made with openstacksdk.)
    conn = consumer.sdk(CONSUMER)
    rebuilt = conn.compute.rebuild_server(booted["id"], image=image_id)
    rebuilt = conn.compute.wait_for_server(rebuilt, status="ACTIVE", wait=60)
    assert rebuilt.image.id == image_id
    shown = consumer.cli(CONSUMER, "server", "show", booted["id"], "-f", "json")
    assert shown["status"] == "ACTIVE"

    # New servers from the image fail: in the CLI, and at the compute API.
    refused = consumer.cli(
        CONSUMER, "server", "create", "--image", image_id, "--flavor", "m1.tiny",
        "--nic", "none", "--wait", "second-from-shared", check=False,
    )
    assert refused.returncode != 0, refused.stdout
    from openstack import exceptions as sdk_exceptions

    with pytest.raises(sdk_exceptions.HttpException) as info:
        conn.compute.create_server(
            name="second-from-shared", image_id=image_id, flavor_id=booted_flavor_id(conn),
            networks="none",
        )
    assert info.value.status_code in (400, 404), info.value
    names = [s.name for s in conn.compute.servers()]
    assert names == ["from-shared"], names

    # The consumer keeps the image for good by saving the server.
    consumer.cli(CONSUMER, "server", "image", "create", "--name", "kept", "--wait",
                 booted["id"])
    kept = consumer.cli(CONSUMER, "image", "show", "kept", "-f", "json")
    assert kept["status"] == "active"
    assert kept["owner"] == consumer.number
    assert kept["checksum"] == DATA_MD5


def booted_flavor_id(conn) -> str:
    return conn.compute.find_flavor("m1.tiny", ignore_missing=False).id
