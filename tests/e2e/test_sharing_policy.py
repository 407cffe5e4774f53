"""Sharing policies, end to end with the real `openstack` CLI: a build pipeline
uploads an image and shares it; the consumer, whose policy trusts the build
account, finds it accepted in its default `openstack image list` without any
call of its own. An image with a preinstalled SSH key from the same account
stays pending: `openstack image set --accept` is refused with the finding, and
so is `openstack server create`, until a manager overrides the policy (Glint's
extension, through a keystoneauth session).
"""

from __future__ import annotations

import time

import pytest

from conftest import Account
from disk_images import ext4_bytes, ssh_public_key

REGION = "DFW"
BUILDER = "ci-bot"  # member of the build account
MANAGER = "ops-lead"  # manager of the consuming account
MEMBER_KEYS = {"created_at", "image_id", "member_id", "schema", "status", "updated_at"}
CLEAN = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
    "etc/shadow": "root:*:19700::::::\n",
}


@pytest.fixture(scope="module")
def build(make_account):
    return make_account("pipeline", {BUILDER: "member"}, number="8800001")


@pytest.fixture(scope="module")
def consumer(make_account):
    return make_account("webteam", {MANAGER: "manager", "dev": "member"}, number="8800002")


# One request to Glint's extensions as a user: (status, JSON body or None).
api = Account.api


def upload_and_share(build, name: str, files: dict[str, str], consumer) -> str:
    """The pipeline's steps, with the CLI: create with the data, then share."""
    path = build.server.workdir / f"{name}.raw"
    path.write_bytes(ext4_bytes(files))
    image = build.cli(
        BUILDER, "image", "create", name, "--disk-format", "raw", "--container-format", "bare",
        "--shared", "--file", str(path), "-f", "json",
    )
    build.cli(BUILDER, "image", "add", "project", image["id"], consumer.number)
    return image["id"]


def listed_names(account, user: str, *args: str) -> set[str]:
    return {row["Name"] for row in account.cli(user, "image", "list", *args, "-f", "json")}


def wait_listed(account, user: str, name: str, timeout: float = 60) -> None:
    """The trust report is written in the background; the acceptance follows it."""
    deadline = time.monotonic() + timeout
    while name not in listed_names(account, user):
        assert time.monotonic() < deadline, f"{name} never appeared in the default list"
        time.sleep(0.5)


def test_a_trusted_build_accounts_share_is_accepted_without_the_consumer(build, consumer):
    status, policy = api(consumer, MANAGER, "PUT", "/glint/v1/sharing-policy",
                         {"mode": "enforce", "trusted_producers": [build.number]})
    assert status == 200, policy
    upload_and_share(build, "web-2027-01", CLEAN, consumer)
    wait_listed(consumer, "dev", "web-2027-01")
    assert "web-2027-01" not in listed_names(consumer, "dev", "--member-status", "pending")
    members = build.cli(BUILDER, "image", "member", "list",
                        next(r["ID"] for r in build.cli(BUILDER, "image", "list", "-f", "json")
                             if r["Name"] == "web-2027-01"), "-f", "json")
    assert [m["Status"] for m in members] == ["accepted"], members


def test_a_refused_image_waits_and_a_manager_overrides(build, consumer):
    files = dict(CLEAN, **{"root/.ssh/authorized_keys": ssh_public_key()})
    image_id = upload_and_share(build, "web-with-key", files, consumer)
    # Once its report is written, the policy has judged it: still pending, and why.
    deadline = time.monotonic() + 60
    while True:
        status, blocked = api(consumer, "dev", "GET", "/glint/v1/sharing-policy/blocked")
        assert status == 200, blocked
        rows = [b for b in blocked["images"] if b["image_id"] == image_id]
        if rows and "no trust report" not in str(rows[0]["findings"]):
            break
        assert time.monotonic() < deadline, blocked
        time.sleep(0.5)
    assert "1 preinstalled SSH key (root)" in str(rows[0]["findings"]), rows
    assert "web-with-key" in listed_names(consumer, "dev", "--member-status", "pending")

    refused = consumer.cli(MANAGER, "image", "set", "--accept", image_id, check=False)
    assert refused.returncode != 0
    assert "sharing policy refuses" in refused.stderr + refused.stdout, refused.stderr
    booted = consumer.cli(MANAGER, "server", "create", "--image", image_id, "--flavor",
                          "m1.tiny", "--nic", "none", "vm", check=False)
    assert booted.returncode != 0
    assert "1 preinstalled SSH key (root)" in booted.stderr + booted.stdout, booted.stderr

    override = f"/image/{REGION}/v2/images/{image_id}/members/{consumer.number}/actions/glint-accept-override"
    status, body = api(consumer, "dev", "POST", override, {"reason": "build key, rotated at boot"})
    assert status == 403, body
    status, member = api(consumer, MANAGER, "POST", override, {"reason": "build key, rotated at boot"})
    assert status == 200 and set(member) == MEMBER_KEYS and member["status"] == "accepted", member
    assert "web-with-key" in listed_names(consumer, "dev")
    server = consumer.cli(MANAGER, "server", "create", "--image", image_id, "--flavor", "m1.tiny",
                          "--nic", "none", "vm", "-f", "json")
    assert server["id"]
    # The producer sees an acceptance, never the override or its reason.
    status, events = api(build, BUILDER, "GET", "/glint/v1/events?limit=100")
    assert status == 200
    assert all(e["type"] != "share.policy_override" for e in events["events"])
    assert "rotated at boot" not in str(events)
