"""Reports of suspicious images and the operators' quarantine, end to end with
the real `openstack` CLI and two nodes on one database (the SQLite file, or
the PostgreSQL database of a PostgreSQL run) and one image store:

- a consumer reports a shared image through the API on the first node; the
  operator finds it with `glint report list` (the image's trust report
  beside it) and through the admin API on the second node, and quarantines
  the image there with a note;
- the quarantine holds on both nodes at once: `openstack image show` says
  deactivated, the owner's `openstack image set --activate` leaves it so (the
  API's 403 names the quarantine and the note) and `openstack image save` is
  refused, a new server
  cannot be built from it, a server built before keeps running, and the
  admin still downloads it;
- the consumers and the producer are told (`image.quarantined`, with the
  note, by the service), and nothing the producer reads names the reporter;
- `glint image release` lifts the quarantine (active again on both nodes),
  and `glint report dismiss` closes another report.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import Account, GlintServer
from disk_images import qcow2_bytes

REGION = "DFW"
DATA = qcow2_bytes("64M")
NOTE = "Ships a credential stealer; see ticket 4411."

PRODUCER = "pia"  # member of the producer account
CONSUMER = "cal"  # manager of the consumer account
REPORTER = "rex"  # reader of the consumer account, who reports and does nothing else
SECOND = "sue"  # reader of a second consumer account


@pytest.fixture(scope="module")
def producer(make_account):
    return make_account("reportprod", {PRODUCER: "member"}, number="7700001")


@pytest.fixture(scope="module")
def consumer(make_account):
    return make_account(
        "reportcons", {CONSUMER: "manager", REPORTER: "reader"}, number="7700002"
    )


@pytest.fixture(scope="module")
def second_consumer(make_account):
    return make_account("reportsecond", {SECOND: "reader"}, number="7700003")


@pytest.fixture(scope="module")
def second_node(glint_server, glint_bin, tmp_path_factory):
    """Another `glint serve` on the first one's database and image store, with
    a data folder (and so a node id) of its own."""
    database_url = glint_server.database_url or (
        f"sqlite://{glint_server.data_dir / 'glint.db'}?mode=rwc"
    )
    node = GlintServer(glint_bin, Path(tmp_path_factory.mktemp("glint-node2")), database_url)
    node.extra_env = {"GLINT__STORAGE__URL": f"{glint_server.data_dir}/images/{{region}}"}
    node.start(float(os.environ.get("GLINT_E2E_START_TIMEOUT", "30")))
    yield node
    node.stop()


def on(node: GlintServer, account: Account) -> Account:
    """The same account, its clients talking to `node`."""
    return Account(node, account.name, account.number, account.region, account.passwords)


# One request to Glint's extensions as a user: (status, JSON body or None).
api = Account.api


def image_path(image_id: str, rest: str = "") -> str:
    return f"/image/{REGION}/v2/images/{image_id}{rest}"


def new_shared_image(producer, name: str, consumers) -> str:
    """An active qcow2 image of the producer's, shared with each (account,
    user) of `consumers`, accepted."""
    conn = producer.sdk(PRODUCER)
    image = conn.image.create_image(
        name=name, disk_format="qcow2", container_format="bare", data=DATA
    )
    assert conn.image.get_image(image.id).status == "active"
    for account, user in consumers:
        conn.image.add_member(image.id, member_id=account.number)
        if user is not None:
            account.cli(user, "image", "set", "--accept", image.id)
    return image.id


def boot(account, user: str, image_id: str, name: str, check: bool = True):
    proc = account.cli(
        user, "server", "create", "--image", image_id, "--flavor", "m1.tiny",
        "--nic", "none", "--wait", name, "-f", "json", check=check,
    )
    return proc


def refused(proc, *words: str) -> str:
    assert proc.returncode != 0, f"the CLI succeeded:\n{proc.stdout}"
    for word in words:
        assert word.lower() in proc.stderr.lower(), proc.stderr
    return proc.stderr


def test_a_report_on_one_node_and_a_quarantine_on_the_other_hold_on_both(
    glint_server, second_node, producer, consumer, second_consumer, cloud_admin, tmp_path
):
    image_id = new_shared_image(
        producer, "stealer-web", [(consumer, CONSUMER), (second_consumer, None)]
    )
    server = boot(consumer, CONSUMER, image_id, "built-before")

    status, report = api(consumer, REPORTER, "POST", image_path(image_id, "/glint-reports"),
                         {"reason": "credentials", "comment": "root password is root"})
    assert status == 201, report
    assert (report["status"], report["reason"]) == ("open", "credentials")

    listed = glint_server.admin("report", "list").stdout
    row = next((line for line in listed.splitlines() if report["id"] in line), "")
    assert image_id in row and consumer.number in row and "credentials" in row, listed
    status, body = api(cloud_admin, "admin", "GET", "/glint/v1/admin/reports",
                       node=second_node)
    assert status == 200, body
    assert [r["id"] for r in body["reports"]] == [report["id"]]
    assert "trust_report" in body["reports"][0]

    status, body = api(cloud_admin, "admin", "POST",
                       f"/glint/v1/admin/images/{REGION}/{image_id}/quarantine",
                       {"note": NOTE}, node=second_node)
    assert status == 200, body
    assert (body["status"], body["note"]) == ("deactivated", NOTE)

    for node in (glint_server, second_node):
        owner = on(node, producer)
        shown = owner.cli(PRODUCER, "image", "show", image_id, "-f", "json")
        assert shown["status"] == "deactivated"
        assert not any("quarantine" in key for key in shown), shown
        # openstacksdk does not check the answer of an image action, so the CLI exits 0; the
        # image stays deactivated, and the API's answer behind it is the 403 below.
        owner.cli(PRODUCER, "image", "set", "--activate", image_id, check=False)
        shown = owner.cli(PRODUCER, "image", "show", image_id, "-f", "json")
        assert shown["status"] == "deactivated", "the owner reactivated a quarantined image"
        status, body = api(producer, PRODUCER, "POST",
                           image_path(image_id, "/actions/reactivate"), node=node)
        assert status == 403 and "quarantined by the cloud's operators" in body["message"]
        assert NOTE in body["message"]
        out = tmp_path / f"owner-{node.port}.img"
        saved = owner.cli(PRODUCER, "image", "save", "--file", str(out), image_id, check=False)
        assert saved.returncode != 0, "the owner downloaded a quarantined image"
        refused(boot(on(node, consumer), CONSUMER, image_id, "after", check=False))

    running = consumer.cli(CONSUMER, "server", "show", server["id"], "-f", "json")
    assert running["status"] == "ACTIVE", "servers built before keep running"
    admin_out = tmp_path / "admin.img"
    cloud_admin.cli("admin", "image", "save", "--file", str(admin_out), image_id)
    assert admin_out.read_bytes() == DATA

    for account, user in ((consumer, CONSUMER), (second_consumer, SECOND)):
        status, body = api(account, user, "GET",
                           f"/glint/v1/events?type=image.quarantined&image_id={image_id}",
                           node=second_node)
        assert status == 200, body
        assert len(body["events"]) == 1, body
        event = body["events"][0]
        assert (event["detail"], event["actor"]) == ({"note": NOTE}, None)
    status, body = api(producer, PRODUCER, "GET", "/glint/v1/events?limit=200")
    told = [e for e in body["events"] if e["type"] == "image.quarantined"]
    assert sorted(e["consumer"] for e in told) == sorted(
        [consumer.number, second_consumer.number]
    )
    for path in (image_path(image_id), image_path(image_id, "/members"),
                 image_path(image_id, "/glint-usage"), "/glint/v1/events?limit=200",
                 "/glint/v1/reports?status=all"):
        status, body = api(producer, PRODUCER, "GET", path)
        assert "root password is root" not in str(body) and REPORTER not in str(body), path
    status, own = api(consumer, CONSUMER, "GET", "/glint/v1/reports")
    assert own["reports"][0]["status"] == "quarantined", own

    released = glint_server.admin("image", "release", image_id).stdout
    assert "lifted the quarantine" in released, released
    for node in (glint_server, second_node):
        shown = on(node, producer).cli(PRODUCER, "image", "show", image_id, "-f", "json")
        assert shown["status"] == "active"
    status, body = api(consumer, CONSUMER, "GET",
                       f"/glint/v1/events?type=image.released&image_id={image_id}")
    assert len(body["events"]) == 1, body


def test_the_operator_dismisses_a_report_with_the_admin_command(
    glint_server, producer, consumer
):
    image_id = new_shared_image(producer, "fine-web", [(consumer, CONSUMER)])
    status, report = api(consumer, CONSUMER, "POST", image_path(image_id, "/glint-reports"),
                         {"reason": "other", "comment": "looks odd"})
    assert status == 201, report
    status, again = api(consumer, CONSUMER, "POST", image_path(image_id, "/glint-reports"),
                        {"reason": "other"})
    assert status == 409, again
    out = glint_server.admin("report", "dismiss", report["id"], "--note", "expected").stdout
    assert f"dismissed report {report['id']}" in out
    listed = glint_server.admin("report", "list", "--status", "dismissed").stdout
    assert report["id"] in listed
    assert report["id"] not in glint_server.admin("report", "list").stdout
    failed = glint_server.admin("report", "dismiss", report["id"], check=False)
    assert failed.returncode != 0 and re.search("already dismissed", failed.stderr), failed.stderr
    status, own = api(consumer, CONSUMER, "GET", "/glint/v1/reports?status=dismissed")
    assert [r["id"] for r in own["reports"]] == [report["id"]]
    assert (api(producer, PRODUCER, "GET", image_path(image_id))[1]["status"]) == "active"
