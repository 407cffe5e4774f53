"""Groups of accounts, end to end: the producer keeps a group (Glint's
extension, through a keystoneauth session) and shares an image with it; the
real `openstack` CLI and openstacksdk then see only ordinary image members:

- every account of the group finds the image pending (`openstack image list
  --member-status pending`), and the member objects have exactly the
  reference's keys;
- an account added to the group later is offered the image too;
- an account removed from the group loses a share it has not accepted and
  keeps one it accepted (with `openstack image set --accept`);
- another account cannot read the group (404) nor share with it.
"""

from __future__ import annotations

import pytest

from conftest import Account
from disk_images import qcow2_bytes

REGION = "DFW"
PRODUCER = "gina"  # member of the producer account
MEMBER_KEYS = {"created_at", "image_id", "member_id", "schema", "status", "updated_at"}


@pytest.fixture(scope="module")
def producer(make_account):
    return make_account("groupprod", {PRODUCER: "member"}, number="7700001")


@pytest.fixture(scope="module")
def partners(make_account):
    return [
        make_account(f"grouppartner{i}", {f"gp{i}": "manager"}, number=f"770001{i}")
        for i in range(3)
    ]


# One request to Glint's extensions as a user: (status, JSON body or None).
api = Account.api


def pending_names(account, user: str) -> set[str]:
    listed = account.cli(user, "image", "list", "--member-status", "pending", "-f", "json")
    return {row["Name"] for row in listed}


def test_a_group_share_reaches_every_account_now_and_later_as_ordinary_members(
    producer, partners
):
    first, second, later = partners
    status, group = api(producer, PRODUCER, "POST", "/glint/v1/groups",
                        {"name": "partners", "accounts": [first.number, second.number]})
    assert status == 201, group
    conn = producer.sdk(PRODUCER)
    image = conn.image.create_image(name="group-web", disk_format="qcow2",
                                    container_format="bare", data=qcow2_bytes("16M"))
    status, shared = api(producer, PRODUCER, "POST",
                         f"/image/{REGION}/v2/images/{image.id}/glint-group-shares",
                         {"group_id": group["id"]})
    assert status == 200, shared
    assert sorted(shared["accounts"]) == sorted([first.number, second.number])

    for account in (first, second):
        user = next(iter(account.passwords))
        assert "group-web" in pending_names(account, user)
    members = producer.cli(PRODUCER, "image", "member", "list", image.id, "-f", "json")
    assert {m["Member ID"] for m in members} == {first.number, second.number}, members
    status, body = api(producer, PRODUCER, "GET", f"/image/{REGION}/v2/images/{image.id}/members")
    assert status == 200 and all(set(m) == MEMBER_KEYS for m in body["members"]), body

    # An account added to the group later is offered the image.
    status, _ = api(producer, PRODUCER, "PUT",
                    f"/glint/v1/groups/{group['id']}/accounts/{later.number}")
    assert status == 200
    assert "group-web" in pending_names(later, "gp2")

    # The first accepts with the CLI; removing both from the group keeps only that share.
    first.cli("gp0", "image", "set", "--accept", image.id)
    for account in (first, second):
        status, _ = api(producer, PRODUCER, "DELETE",
                        f"/glint/v1/groups/{group['id']}/accounts/{account.number}")
        assert status == 204
    accepted = first.cli("gp0", "image", "list", "-f", "json")
    assert "group-web" in {row["Name"] for row in accepted}
    assert "group-web" not in pending_names(second, "gp1")
    members = producer.cli(PRODUCER, "image", "member", "list", image.id, "-f", "json")
    assert {m["Member ID"] for m in members} == {first.number, later.number}, members


def test_another_account_neither_reads_nor_uses_the_group(producer, partners):
    status, group = api(producer, PRODUCER, "POST", "/glint/v1/groups",
                        {"name": "private-partners", "accounts": [partners[0].number]})
    assert status == 201, group
    stranger = partners[1]
    status, body = api(stranger, "gp1", "GET", f"/glint/v1/groups/{group['id']}")
    assert status == 404, body
    assert "private-partners" not in str(body)
    status, listed = api(stranger, "gp1", "GET", "/glint/v1/groups")
    assert status == 200 and all(g["id"] != group["id"] for g in listed["groups"]), listed
    mine = stranger.sdk("gp1").image.create_image(
        name="stranger-image", disk_format="qcow2", container_format="bare",
        data=qcow2_bytes("16M"),
    )
    status, body = api(stranger, "gp1", "POST",
                       f"/image/{REGION}/v2/images/{mine.id}/glint-group-shares",
                       {"group_id": group["id"]})
    assert status == 404, body
