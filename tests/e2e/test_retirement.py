"""Retiring an image safely, end to end with the real `openstack` CLI
(openstacksdk sets up images and shares and waits for servers; Glint's own
extensions are called through a keystoneauth session):

- lineage: a server the consumer built from a shared image and saved with
  `openstack server image create` gives an image whose `glint_source_`
  properties name the source image, its region and its producer, to the
  image's owner only: an account it is shared with neither reads them nor
  finds the image by filtering a list on them; clients cannot set them; the
  producer's usage report counts the copy;
- deprecation: the owner deprecates an image with `openstack image set
  --property glint_…` (a replacement of another owner and a bad date are
  400), a consumer cannot change it (403, whatever replacement it names), an
  obsolete image boots no new server (the CLI's error names the replacement)
  while `openstack server rebuild` still works, the consumer finds its server
  in `servers-on-deprecated-images`, unsetting lets servers boot again, and
  the consumer's events feed tells each change;
- the usage report counts servers booted and deleted with the CLI per
  consumer account, for the owner only (a consumer gets 403, a stranger 404),
  and names no server of another account;
- scheduled removals with two nodes on one database (the SQLite file, or the
  PostgreSQL database of a PostgreSQL run) and one image store, both running
  the job every second: the consumer keeps the image until the time, loses it
  then, and each removal is carried out and told exactly once; a cancelled
  removal leaves the share.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import time
from pathlib import Path

import pytest

from conftest import Account, GlintServer
from disk_images import qcow2_bytes

# Scheduled removals are carried out every second (on each node) instead of every minute.
SERVER_ENV = {"GLINT__SHARING__TIMER_INTERVAL_SECS": "1"}

REGION = "DFW"
DATA = qcow2_bytes("64M")

PRODUCER = "paula"  # member of the producer account
CONSUMER = "cora"  # manager of the first consumer account
SECOND = "sid"  # manager of the second consumer account
OUTSIDER = "otto"  # member of an account the producer never offers anything


@pytest.fixture(scope="module")
def producer(make_account):
    return make_account("retireprod", {PRODUCER: "member"}, number="7600001")


@pytest.fixture(scope="module")
def consumer(make_account):
    return make_account("retirecons", {CONSUMER: "manager"}, number="7600002")


@pytest.fixture(scope="module")
def second_consumer(make_account):
    return make_account("retiresecond", {SECOND: "manager"}, number="7600003")


@pytest.fixture(scope="module")
def outsider(make_account):
    return make_account("retireout", {OUTSIDER: "member"}, number="7600004")


@pytest.fixture(scope="module")
def second_node(glint_server, glint_bin, tmp_path_factory):
    """Another `glint serve` on the first one's database (its SQLite file, or
    its PostgreSQL database) and image store, with a data folder (and so a
    node id) of its own and the same settings."""
    database_url = glint_server.database_url or (
        f"sqlite://{glint_server.data_dir / 'glint.db'}?mode=rwc"
    )
    node = GlintServer(glint_bin, Path(tmp_path_factory.mktemp("glint-node2")), database_url)
    node.extra_env = {
        **SERVER_ENV, "GLINT__STORAGE__URL": f"{glint_server.data_dir}/images/{{region}}",
    }
    node.start(float(os.environ.get("GLINT_E2E_START_TIMEOUT", "30")))
    yield node
    node.stop()


# --------------------------------------------------------------------------
# helpers

# One request to Glint's extensions as a user: (status, JSON body or None).
api = Account.api


def image_path(image_id: str, rest: str = "") -> str:
    return f"/image/{REGION}/v2/images/{image_id}{rest}"


def new_image(account, user: str, name: str):
    """An active qcow2 image of the account, uploaded with openstacksdk."""
    conn = account.sdk(user)
    image = conn.image.create_image(
        name=name, disk_format="qcow2", container_format="bare", data=DATA
    )
    image = conn.image.get_image(image.id)
    assert image.status == "active", image
    return image


def share(producer, image_id: str, consumer, manager: str | None = None) -> None:
    """Shares the image with the consumer; accepted when its manager is given."""
    producer.sdk(PRODUCER).image.add_member(image_id, member_id=consumer.number)
    if manager is not None:
        consumer.sdk(manager).image.update_member(
            consumer.number, image_id, status="accepted"
        )


# The CLI makes every server change; openstacksdk waits for it, polling more often than the
# CLI's --wait (every 5 s) does.


def active(account, user: str, server_id: str):
    conn = account.sdk(user)
    return conn.compute.wait_for_server(
        conn.compute.get_server(server_id), status="ACTIVE", interval=0.2, wait=60
    )


def boot(account, user: str, image_id: str, name: str) -> dict:
    """`openstack server create`, then the server once it is active."""
    server = account.cli(
        user, "server", "create", "--image", image_id, "--flavor", "m1.tiny",
        "--nic", "none", name, "-f", "json",
    )
    assert active(account, user, server["id"]).status == "ACTIVE"
    return server


def usage(producer, image_id: str, node: GlintServer | None = None) -> dict:
    status, report = api(producer, PRODUCER, "GET", image_path(image_id, "/glint-usage"),
                         node=node)
    assert status == 200, report
    return report


def consumer_row(report: dict, account) -> dict:
    rows = [c for c in report["consumers"] if c["account_id"] == account.number]
    assert len(rows) == 1, report
    return rows[0]


# Every query of the events feed names the types it looks at: an image's trust report, written
# in the background, may add an `image.trust_report` event at any time once it has a consumer.
SHARE_EVENTS = (
    "share.created", "share.accepted", "share.removal_scheduled", "share.removal_cancelled",
    "share.removed",
)


def events(account, user: str, image_id: str, types, node: GlintServer | None = None
           ) -> list[dict]:
    """The image's events of `types` that the account is told, newest first."""
    query = f"image_id={image_id}&type={','.join(types)}&limit=200"
    status, body = api(account, user, "GET", f"/glint/v1/events?{query}", node=node)
    assert status == 200, body
    return body["events"]


def refused(proc, *words: str) -> str:
    """The CLI's error text, once it is known to have failed and to say each word."""
    assert proc.returncode != 0, f"the CLI succeeded:\n{proc.stdout}"
    for word in words:
        assert word.lower() in proc.stderr.lower(), proc.stderr
    return proc.stderr


def whole_seconds_from_now(seconds: int) -> tuple[float, str]:
    """The first whole second at least `seconds` ahead: (epoch, RFC 3339 text)."""
    at = int(time.time()) + 1 + seconds
    text = datetime.datetime.fromtimestamp(at, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    return float(at), text


# --------------------------------------------------------------------------
# lineage


def test_a_saved_server_names_its_source_to_its_owner_only_and_counts_as_a_copy(
    producer, consumer, outsider
):
    base = new_image(producer, PRODUCER, "lineage-base")
    share(producer, base.id, consumer)
    server = boot(consumer, CONSUMER, base.id, "lineage-web")
    made = consumer.cli(CONSUMER, "server", "image", "create", "--name", "lineage-snap",
                        server["id"], "-f", "json")
    conn = consumer.sdk(CONSUMER)
    conn.image.wait_for_status(conn.image.get_image(made["id"]), "active", interval=0.2, wait=60)

    snap = consumer.cli(CONSUMER, "image", "show", "lineage-snap", "-f", "json")
    assert snap["owner"] == consumer.number
    props = snap["properties"]
    assert props["glint_source_image_id"] == base.id, props
    assert props["glint_source_region"] == REGION, props
    assert props["glint_source_owner"] == producer.number, props

    row = consumer_row(usage(producer, base.id), consumer)
    assert (row["copies"], row["servers"]) == (1, 1), row

    # Shared on with a third account, the copy does not tell it where it came from.
    conn.image.update_image(snap["id"], visibility="shared")
    conn.image.add_member(snap["id"], member_id=outsider.number)
    seen = outsider.cli(OUTSIDER, "image", "show", snap["id"], "-f", "json")
    assert seen["properties"]["image_type"] == "snapshot", seen
    assert "glint_source_" not in json.dumps(seen), seen
    listed = [i for i in outsider.sdk(OUTSIDER).image.images(member_status="all")
              if i.id == snap["id"]]
    assert len(listed) == 1, listed
    assert not [k for k in listed[0].properties if k.startswith("glint_source_")], listed
    # Nor does a list filtered on them find it; its owner's does.
    by_source = f"/image/{REGION}/v2/images?member_status=all&glint_source_image_id={base.id}"
    status, found = api(outsider, OUTSIDER, "GET", by_source)
    assert status == 200 and found["images"] == [], found
    status, found = api(consumer, CONSUMER, "GET", by_source)
    assert [i["id"] for i in found["images"]] == [snap["id"]], found

    # Not even the owner may write them.
    proc = consumer.cli(CONSUMER, "image", "set", "--property", "glint_source_image_id=x",
                        snap["id"], check=False)
    refused(proc, "403", "glint_source_image_id")
    again = conn.image.get_image(snap["id"])
    assert again.properties["glint_source_image_id"] == base.id


# --------------------------------------------------------------------------
# deprecation


def test_an_obsolete_image_boots_no_new_server_but_rebuilds_until_undeprecated(
    producer, consumer
):
    old = new_image(producer, PRODUCER, "retiring-os")
    new = new_image(producer, PRODUCER, "current-os")
    share(producer, old.id, consumer, CONSUMER)
    share(producer, new.id, consumer, CONSUMER)
    next_year = (datetime.date.today() + datetime.timedelta(days=365)).isoformat()
    producer.cli(
        PRODUCER, "image", "set",
        "--property", "glint_deprecated=true",
        "--property", f"glint_replacement_image_id={new.id}",
        "--property", f"glint_obsolete_at={next_year}",
        "--property", "glint_deprecation_message=Move to current-os",
        old.id,
    )
    props = consumer.cli(CONSUMER, "image", "show", old.id, "-f", "json")["properties"]
    assert props["glint_deprecated"] == "true" and props["glint_obsolete_at"] == next_year

    # Only the owner changes it.
    proc = consumer.cli(CONSUMER, "image", "set", "--property", "glint_deprecated=false",
                        old.id, check=False)
    refused(proc, "403", "only its owner")
    assert producer.sdk(PRODUCER).image.get_image(old.id).properties["glint_deprecated"] == "true"

    # Deprecated but not yet obsolete: it still boots.
    server = boot(consumer, CONSUMER, old.id, "on-retiring-os")

    producer.cli(PRODUCER, "image", "set", "--property", "glint_obsolete_at=2020-01-15", old.id)
    proc = consumer.cli(
        CONSUMER, "server", "create", "--image", old.id, "--flavor", "m1.tiny",
        "--nic", "none", "too-late", check=False,
    )
    refused(proc, "obsolete", f"current-os ({new.id})")
    assert "too-late" not in [s.name for s in consumer.sdk(CONSUMER).compute.servers()]

    consumer.cli(CONSUMER, "server", "rebuild", "--image", old.id, server["id"])
    assert active(consumer, CONSUMER, server["id"]).image.id == old.id

    status, listed = api(consumer, CONSUMER, "GET", "/glint/v1/servers-on-deprecated-images")
    assert status == 200, listed
    assert listed["servers"] == [{
        "id": server["id"], "name": "on-retiring-os", "region": REGION,
        "image": {
            "id": old.id, "name": "retiring-os", "deprecation_message": "Move to current-os",
            "obsolete_at": "2020-01-15T00:00:00Z",
            "replacement": {"id": new.id, "name": "current-os"},
        },
    }], listed

    producer.cli(
        PRODUCER, "image", "unset",
        "--property", "glint_deprecated", "--property", "glint_replacement_image_id",
        "--property", "glint_obsolete_at", "--property", "glint_deprecation_message",
        old.id,
    )
    boot(consumer, CONSUMER, old.id, "back-on-retiring-os")
    status, listed = api(consumer, CONSUMER, "GET", "/glint/v1/servers-on-deprecated-images")
    assert (status, listed) == (200, {"servers": []})

    told = events(consumer, CONSUMER, old.id, ("image.deprecated", "image.undeprecated"))
    assert [e["type"] for e in told] == [
        "image.undeprecated", "image.deprecated", "image.deprecated",
    ], told
    first = told[-1]
    assert first["consumer"] == consumer.number and first["producer"] == producer.number
    assert first["actor"]["user_name"] == PRODUCER
    assert first["detail"] == {
        "replacement_image_id": new.id, "replacement_name": "current-os",
        "obsolete_at": f"{next_year}T00:00:00Z", "message": "Move to current-os",
    }, first
    assert told[-2]["detail"]["obsolete_at"] == "2020-01-15T00:00:00Z"


def test_a_replacement_of_another_owner_or_a_bad_date_is_refused(producer, consumer):
    image = new_image(producer, PRODUCER, "needs-a-replacement")
    theirs = new_image(consumer, CONSUMER, "consumers-own")
    share(producer, image.id, consumer)
    for prop, why in ((f"glint_replacement_image_id={theirs.id}", "same owner"),
                      ("glint_obsolete_at=next week", "glint_obsolete_at")):
        proc = producer.cli(PRODUCER, "image", "set", "--property", "glint_deprecated=true",
                            "--property", prop, image.id, check=False)
        refused(proc, "400", why)
    # The consumer is refused as for any change, before its replacement is looked at.
    proc = consumer.cli(CONSUMER, "image", "set", "--property",
                        f"glint_replacement_image_id={theirs.id}", image.id, check=False)
    refused(proc, "403", "only its owner")
    props = producer.sdk(PRODUCER).image.get_image(image.id).properties
    assert not [k for k in props if k.startswith("glint_")], props


# --------------------------------------------------------------------------
# usage


def test_the_usage_report_counts_servers_per_consumer_for_the_owner_alone(
    producer, consumer, second_consumer, outsider
):
    image = new_image(producer, PRODUCER, "popular-os")
    share(producer, image.id, consumer, CONSUMER)
    share(producer, image.id, second_consumer)
    first = boot(consumer, CONSUMER, image.id, "usage-a1")
    kept = boot(consumer, CONSUMER, image.id, "usage-a2")
    theirs = boot(second_consumer, SECOND, image.id, "usage-b1")
    consumer.cli(CONSUMER, "server", "delete", "--wait", first["id"])

    report = usage(producer, image.id)
    assert report["image_id"] == image.id and report["region"] == REGION
    assert report["in_use"] == {"accounts": 2, "servers": 2}, report
    assert report["owner"]["servers"] == 0 and report["owner"]["copies"] == 0
    one, two = consumer_row(report, consumer), consumer_row(report, second_consumer)
    assert (one["member_status"], one["servers"], one["regions"]) == ("accepted", 1, 1), one
    assert (two["member_status"], two["servers"], two["regions"]) == ("pending", 1, 1), two
    assert one["last_boot_at"] and two["last_boot_at"]
    assert one["removal_scheduled_at"] is None
    assert report["others"]["accounts"] == 0 and report["others"]["servers"] == 0

    text = json.dumps(report)
    for server in (first, kept, theirs):
        assert server["id"] not in text, f"server {server['id']} named in {text}"
        assert server["name"] not in text, text

    status, body = api(consumer, CONSUMER, "GET", image_path(image.id, "/glint-usage"))
    assert status == 403, body
    status, body = api(outsider, OUTSIDER, "GET", image_path(image.id, "/glint-usage"))
    assert status == 404, body


# --------------------------------------------------------------------------
# scheduled removals, two nodes


def removal_path(image_id: str, member: str) -> str:
    return image_path(image_id, f"/members/{member}/actions/glint-schedule-removal")


def removals_logged(*nodes: GlintServer) -> int:
    """The shares the nodes' logs say their job removed."""
    total = 0
    for node in nodes:
        for line in node.log_path.read_text(errors="replace").splitlines():
            if "scheduled share removals done" in line:
                found = re.search(r"removed[\"=:\s]+(\d+)", line)
                assert found, line
                total += int(found.group(1))
    return total


def test_a_scheduled_removal_happens_at_its_time_once_with_two_nodes(
    glint_server, second_node, producer, consumer
):
    nodes = (glint_server, second_node)
    images = [new_image(producer, PRODUCER, f"leaving-{n}") for n in range(4)]
    for image in images:
        share(producer, image.id, consumer, CONSUMER)
    at, at_text = whole_seconds_from_now(3)
    for n, image in enumerate(images):
        status, body = api(producer, PRODUCER, "POST", removal_path(image.id, consumer.number),
                           {"remove_at": at_text}, node=nodes[n % 2])
        assert (status, body) == (200, {
            "image_id": image.id, "member_id": consumer.number, "remove_at": at_text,
        })

    # Until the time, the consumer keeps every image, on either node.
    for n, image in enumerate(images):
        status, body = api(consumer, CONSUMER, "GET", image_path(image.id), node=nodes[n % 2])
        assert status == 200, body
    row = consumer_row(usage(producer, images[0].id, node=second_node), consumer)
    assert (row["member_status"], row["removal_scheduled_at"]) == ("accepted", at_text), row
    assert time.time() < at, "the checks before the time took too long to mean anything"

    deadline = time.monotonic() + 20
    left = list(images)
    while left:
        assert time.monotonic() < deadline, f"{len(left)} shares still there 20 s on"
        time.sleep(0.25)
        left = [i for i in left
                if api(consumer, CONSUMER, "GET", image_path(i.id))[0] != 404]
    assert time.time() >= at, "removed before its time"
    time.sleep(1.5)  # another run of each node's job: nothing more to remove

    for image in images:
        removed = events(producer, PRODUCER, image.id, ["share.removed"], node=second_node)
        assert len(removed) == 1, removed
        assert removed[0]["detail"] == {"scheduled": True}, removed
        assert removed[0]["actor"] is None and removed[0]["consumer"] == consumer.number
        told = [e["type"] for e in events(consumer, CONSUMER, image.id, SHARE_EVENTS)]
        assert told == [
            "share.removed", "share.removal_scheduled", "share.accepted", "share.created",
        ], told
    row = consumer_row(usage(producer, images[0].id), consumer)
    assert (row["member_status"], row["removal_scheduled_at"]) == ("removed", None), row
    assert removals_logged(*nodes) == len(images)


def test_a_cancelled_removal_leaves_the_share_after_its_time(
    glint_server, second_node, producer, consumer
):
    image = new_image(producer, PRODUCER, "staying")
    share(producer, image.id, consumer, CONSUMER)
    path = removal_path(image.id, consumer.number)
    _, past = whole_seconds_from_now(-10)
    status, body = api(producer, PRODUCER, "POST", path, {"remove_at": past})
    assert status == 400, body

    at, at_text = whole_seconds_from_now(3)
    status, body = api(producer, PRODUCER, "POST", path, {"remove_at": at_text})
    assert status == 200, body
    status, body = api(producer, PRODUCER, "DELETE", path, node=second_node)
    assert status == 204, body
    assert time.time() < at, "cancelled too late to mean anything"
    status, body = api(producer, PRODUCER, "DELETE", path)
    assert status == 409, body

    time.sleep(max(0.0, at - time.time()) + 2.5)  # past the time, and two runs of each job
    for node in (glint_server, second_node):
        status, body = api(consumer, CONSUMER, "GET", image_path(image.id), node=node)
        assert status == 200, body
    member = producer.sdk(PRODUCER).image.get_member(consumer.number, image.id)
    assert member.status == "accepted"
    told = [e["type"] for e in events(consumer, CONSUMER, image.id, SHARE_EVENTS)]
    assert told == [
        "share.removal_cancelled", "share.removal_scheduled", "share.accepted", "share.created",
    ], told
