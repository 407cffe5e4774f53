"""Image sharing end to end with the real `openstack` CLI: a producer account
shares an image by account number, the consumer account sees it as pending,
downloads it, accepts (manager only), rejects, goes back to pending, and loses
it when the producer removes the share."""

from __future__ import annotations

import hashlib

import pytest

from disk_images import qcow2_bytes

DATA = qcow2_bytes("48M")

PRODUCER = "pat"  # member of the producer account
MANAGER = "mia"  # manager of the consumer account
MEMBER = "cody"  # plain member of the consumer account


@pytest.fixture(scope="module")
def producer(make_account):
    return make_account("producer", {PRODUCER: "member"}, regions="DFW", number="7200001")


@pytest.fixture(scope="module")
def consumer(make_account):
    return make_account(
        "consumer", {MANAGER: "manager", MEMBER: "member"}, regions="DFW", number="7200002"
    )


@pytest.fixture
def image(producer, request):
    """A fresh active image of the producer (uploaded with openstacksdk; the
    CLI upload has its own tests in test_images.py), deleted afterwards so
    that every test sees only its own share."""
    conn = producer.sdk(PRODUCER)
    name = "shared-" + request.node.name.removeprefix("test_")[:40]
    img = conn.image.create_image(
        name=name, disk_format="qcow2", container_format="bare", data=DATA,
    )
    img = conn.image.get_image(img.id)
    assert img.status == "active", img
    yield img
    conn.image.delete_image(img.id, ignore_missing=True)


@pytest.fixture
def shared(producer, consumer, image):
    """The fresh image, shared with the consumer (pending)."""
    producer.sdk(PRODUCER).image.add_member(image, member_id=consumer.number)
    return image


def ids(rows):
    return [row["ID"] for row in rows]


def members(account, user, image_id):
    return account.cli(user, "image", "member", "list", image_id, "-f", "json")


def member_status(producer, image_id, consumer_number):
    """The consumer's member status as the producer reads it (openstacksdk,
    to spare a CLI start-up; `image member list` has its own test)."""
    rows = list(producer.sdk(PRODUCER).image.members(image_id))
    found = [row.status for row in rows if row.member_id == consumer_number]
    assert len(found) == 1, rows
    return found[0]


def test_add_project_creates_a_pending_share(producer, consumer, image):
    added = producer.cli(
        PRODUCER, "image", "add", "project", image.id, consumer.number, "-f", "json"
    )
    assert added["image_id"] == image.id
    assert added["member_id"] == consumer.number
    assert added["status"] == "pending"

    rows = members(producer, PRODUCER, image.id)
    assert rows == [
        {"Image ID": image.id, "Member ID": consumer.number, "Status": "pending"}
    ], rows


def test_pending_share_is_listed_only_with_member_status_pending(consumer, shared):
    default = consumer.cli(MEMBER, "image", "list", "-f", "json")
    assert shared.id not in ids(default), "a pending share is not in the default list"

    pending = consumer.cli(MEMBER, "image", "list", "--member-status", "pending", "-f", "json")
    assert ids(pending) == [shared.id], pending
    assert pending[0]["Name"] == shared.name
    assert pending[0]["Status"] == "active"

    # --shared asks for visibility=shared with the default member status
    # (accepted): a pending share is not among them.
    only_shared = consumer.cli(MEMBER, "image", "list", "--shared", "-f", "json")
    assert shared.id not in ids(only_shared), only_shared

    # The consumer sees its own member row, pending.
    own = members(consumer, MEMBER, shared.id)
    assert own == [
        {"Image ID": shared.id, "Member ID": consumer.number, "Status": "pending"}
    ], own


def test_consumer_reads_and_downloads_while_pending(consumer, shared, tmp_path):
    shown = consumer.cli(MEMBER, "image", "show", shared.id, "-f", "json")
    assert shown["status"] == "active"
    assert shown["checksum"] == hashlib.md5(DATA).hexdigest()

    out = tmp_path / "pending.img"
    consumer.cli(MEMBER, "image", "save", "--file", str(out), shared.id)
    assert out.read_bytes() == DATA


def test_manager_accepts_and_the_image_is_listed(producer, consumer, shared):
    consumer.cli(MANAGER, "image", "set", "--accept", shared.id)
    assert member_status(producer, shared.id, consumer.number) == "accepted"

    # Every user of the consumer account now lists it.
    default = consumer.cli(MEMBER, "image", "list", "-f", "json")
    assert shared.id in ids(default), default
    only_shared = consumer.cli(MEMBER, "image", "list", "--shared", "-f", "json")
    assert ids(only_shared) == [shared.id], only_shared
    pending = consumer.cli(MEMBER, "image", "list", "--member-status", "pending", "-f", "json")
    assert shared.id not in ids(pending)


def test_plain_member_may_not_accept(producer, consumer, shared):
    refused = consumer.cli(MEMBER, "image", "set", "--accept", shared.id, check=False)
    assert refused.returncode != 0, f"a member accepted a share:\n{refused.stdout}"
    assert "manager" in refused.stderr.lower(), refused.stderr
    assert member_status(producer, shared.id, consumer.number) == "pending"


def test_reject_then_back_to_pending(producer, consumer, shared):
    consumer.cli(MANAGER, "image", "set", "--accept", shared.id)
    consumer.cli(MANAGER, "image", "set", "--reject", shared.id)
    assert member_status(producer, shared.id, consumer.number) == "rejected"
    default = consumer.cli(MEMBER, "image", "list", "-f", "json")
    assert shared.id not in ids(default), "a rejected share leaves the default list"
    rejected = consumer.cli(
        MEMBER, "image", "list", "--member-status", "rejected", "-f", "json"
    )
    assert ids(rejected) == [shared.id], rejected

    consumer.cli(MANAGER, "image", "set", "--pending", shared.id)
    pending = consumer.cli(MEMBER, "image", "list", "--member-status", "pending", "-f", "json")
    assert ids(pending) == [shared.id], pending
    own = members(consumer, MEMBER, shared.id)
    assert [row["Status"] for row in own] == ["pending"], own


def test_remove_project_revokes_the_share(producer, consumer, shared, tmp_path):
    consumer.cli(MANAGER, "image", "set", "--accept", shared.id)
    producer.cli(PRODUCER, "image", "remove", "project", shared.id, consumer.number)
    assert members(producer, PRODUCER, shared.id) == []

    gone = consumer.cli(MEMBER, "image", "show", shared.id, check=False)
    assert gone.returncode != 0, f"the consumer still sees the image:\n{gone.stdout}"
    assert "no image found" in gone.stderr.lower() or "not found" in gone.stderr.lower(), (
        gone.stderr
    )
    out = tmp_path / "revoked.img"
    refused = consumer.cli(MEMBER, "image", "save", "--file", str(out), shared.id, check=False)
    assert refused.returncode != 0
    assert not out.exists() or out.read_bytes() != DATA
    listed = consumer.sdk(MEMBER).image.images(member_status="all")
    assert shared.id not in [img.id for img in listed]


def test_the_cli_sharing_flow_is_told_to_both_parties(producer, consumer, image):
    """The share events feed (Glint's extension) tells both accounts of each step
    the unmodified CLI takes, and no one else."""
    producer.cli(PRODUCER, "image", "add", "project", image.id, consumer.number)
    consumer.cli(MANAGER, "image", "set", "--accept", image.id)
    producer.cli(PRODUCER, "image", "remove", "project", image.id, consumer.number)
    feed_url = f"{producer.server.base_url}/glint/v1/events?image_id={image.id}"
    for account, user, actors in (
        (producer, PRODUCER, [PRODUCER, MANAGER, PRODUCER]),
        (consumer, MEMBER, [PRODUCER, MANAGER, PRODUCER]),
    ):
        events = account.session(user).get(feed_url).json()["events"]
        assert [e["type"] for e in events] == [
            "share.removed", "share.accepted", "share.created",
        ], events
        assert [e["actor"]["user_name"] for e in events] == actors
        assert {(e["producer"], e["consumer"]) for e in events} == {
            (producer.number, consumer.number)
        }
