"""Identity v3 administration end to end with the real `openstack` CLI: projects,
users, roles and role assignments as an operator runs them, a user changing its own
password, a manager confined to its own account, the lockout undone by an admin, and
the same operations through the `glint` admin commands."""

from __future__ import annotations

import json

import pytest

from raw_http import request

NEW_PASSWORD = "Changed-pw-2"


def names(rows: list[dict], column: str = "Name") -> list[str]:
    return sorted(row[column] for row in rows)


def token_of(server, user: str, password: str, project: str) -> str:
    issued = server.openstack(user, password, project, "token", "issue", "-f", "json")
    return issued["id"]


def images_status(server, token: str) -> int:
    status, _, _ = request(server, "GET", "/image/DFW/v2/images", token)
    return status


def signs_in(server, user: str, password: str, project: str) -> bool:
    proc = server.openstack(user, password, project, "token", "issue", check=False)
    return proc.returncode == 0


def test_projects_are_created_listed_shown_disabled_and_deleted(glint_server, cloud_admin):
    cli = cloud_admin.cli
    made = cli("admin", "project", "create", "gamma", "--description", "third", "-f", "json")
    assert made["name"] == "gamma" and made["enabled"] is True, made
    assert made["id"].isdigit(), made
    assert "gamma" in names(cli("admin", "project", "list", "-f", "json"))
    shown = cli("admin", "project", "show", "gamma", "-f", "json")
    assert (shown["id"], shown["description"]) == (made["id"], "third")
    cli("admin", "project", "set", "--disable", "gamma")
    assert cli("admin", "project", "show", "gamma", "-f", "json")["enabled"] is False
    status, _, body = request(glint_server, "GET", "/identity/v3/projects?enabled=false",
                              token_of(glint_server, "admin", glint_server.admin_password, "admin"))
    assert status == 200 and [p["name"] for p in json.loads(body)["projects"]] == ["gamma"]
    cli("admin", "project", "delete", "gamma")
    assert cli("admin", "project", "show", "gamma", check=False).returncode != 0


def test_a_project_that_owns_images_is_not_deleted(glint_server, cloud_admin, make_account):
    owner = make_account("imagery", {"ivy": "member"})
    owner.cli("ivy", "image", "create", "kept", "--disk-format", "raw",
              "--container-format", "bare")
    refused = cloud_admin.cli("admin", "project", "delete", owner.number, check=False)
    assert refused.returncode != 0
    assert "owns 1 image" in refused.stderr, refused.stderr
    refused = glint_server.admin("account", "delete", "imagery", check=False)
    assert refused.returncode != 0 and "owns 1 image" in refused.stderr, refused.stderr
    assert signs_in(glint_server, "ivy", owner.password("ivy"), "imagery")


def test_users_roles_and_assignments_through_the_openstack_cli(
    glint_server, cloud_admin, make_account
):
    delta = make_account("delta", {"dora": "manager"})
    cli = cloud_admin.cli
    made = cli("admin", "user", "create", "--project", "delta", "--password", "Eve-pw-1",
               "eve", "-f", "json")
    assert made["default_project_id"] == delta.number, made
    assert not signs_in(glint_server, "eve", "Eve-pw-1", "delta"), "no role yet"
    assert names(cli("admin", "role", "list", "-f", "json")) == [
        "admin", "manager", "member", "reader"]
    cli("admin", "role", "add", "--user", "eve", "--project", "delta", "member")
    assert signs_in(glint_server, "eve", "Eve-pw-1", "delta")
    assert "eve" in names(cli("admin", "user", "list", "-f", "json"))
    shown = cli("admin", "user", "show", "eve", "-f", "json")
    assert (shown["id"], shown["enabled"]) == (made["id"], True)

    rows = cli("admin", "role", "assignment", "list", "--project", "delta", "--names",
               "-f", "json")
    assert sorted((r["User"], r["Role"]) for r in rows) == [
        ("dora@Default", "manager"), ("eve@Default", "member")], rows

    cli("admin", "user", "set", "--password", NEW_PASSWORD, "eve")
    assert not signs_in(glint_server, "eve", "Eve-pw-1", "delta")
    assert signs_in(glint_server, "eve", NEW_PASSWORD, "delta")
    cli("admin", "user", "set", "--disable", "eve")
    assert cli("admin", "user", "show", "eve", "-f", "json")["enabled"] is False
    assert not signs_in(glint_server, "eve", NEW_PASSWORD, "delta")
    cli("admin", "user", "set", "--enable", "eve")
    assert signs_in(glint_server, "eve", NEW_PASSWORD, "delta")

    cli("admin", "role", "remove", "--user", "eve", "--project", "delta", "member")
    assert not signs_in(glint_server, "eve", NEW_PASSWORD, "delta")
    cli("admin", "user", "delete", "eve")
    assert cli("admin", "user", "show", "eve", check=False).returncode != 0


def test_a_disabled_users_existing_token_answers_401_at_once(glint_server, cloud_admin,
                                                              make_account):
    acct = make_account("echo", {"ed": "member"})
    token = token_of(glint_server, "ed", acct.password("ed"), "echo")
    assert images_status(glint_server, token) == 200
    cloud_admin.cli("admin", "user", "set", "--disable", "ed")
    assert images_status(glint_server, token) == 401
    cloud_admin.cli("admin", "user", "set", "--enable", "ed")
    assert images_status(glint_server, token) == 401, "a disabled user's tokens stay ended"
    fresh = token_of(glint_server, "ed", acct.password("ed"), "echo")
    assert images_status(glint_server, fresh) == 200
    cloud_admin.cli("admin", "user", "delete", "ed")
    assert images_status(glint_server, fresh) == 401


def test_a_user_sets_its_own_password(glint_server, make_account):
    acct = make_account("foxtrot", {"fay": "reader"})
    old = acct.password("fay")
    acct.cli("fay", "user", "password", "set", "--original-password", old,
             "--password", NEW_PASSWORD)
    assert not signs_in(glint_server, "fay", old, "foxtrot")
    assert signs_in(glint_server, "fay", NEW_PASSWORD, "foxtrot")


def test_a_manager_administers_its_own_account_only(glint_server, make_account):
    golf = make_account("golf", {"gus": "manager", "gil": "member"})
    hotel = make_account("hotel", {"hal": "member"})
    assert names(golf.cli("gus", "user", "list", "-f", "json")) == ["gil", "gus"]
    assert golf.cli("gus", "user", "show", "hal", check=False).returncode != 0
    refused = golf.cli("gus", "user", "set", "--disable", "hal", check=False)
    assert refused.returncode != 0
    refused = golf.cli("gus", "role", "add", "--user", "hal", "--project", hotel.number,
                       "reader", check=False)
    assert refused.returncode != 0
    assert signs_in(glint_server, "hal", hotel.password("hal"), "hotel")

    golf.cli("gus", "user", "create", "--project", golf.number, "--password", "Gwen-pw-1",
             "gwen")
    golf.cli("gus", "role", "add", "--user", "gwen", "--project", golf.number, "member")
    assert signs_in(glint_server, "gwen", "Gwen-pw-1", "golf")
    rows = golf.cli("gus", "role", "assignment", "list", "--project", golf.number,
                    "--names", "-f", "json")
    assert sorted(r["User"] for r in rows) == ["gil@Default", "gus@Default", "gwen@Default"]
    golf.cli("gus", "user", "set", "--disable", "gil")
    assert not signs_in(glint_server, "gil", golf.password("gil"), "golf")
    refused = golf.cli("gil", "user", "list", check=False)
    assert refused.returncode != 0, "members administer nobody"


@pytest.mark.parametrize("unlock", ["openstack", "glint"])
def test_a_locked_user_signs_in_again_after_an_admin_unlock(glint_server, cloud_admin,
                                                              make_account, unlock):
    acct = make_account(f"india-{unlock}", {f"ike-{unlock}": "member"})
    user = f"ike-{unlock}"
    for _ in range(6):
        assert not signs_in(glint_server, user, "wrong password", acct.name)
    assert not signs_in(glint_server, user, acct.password(user), acct.name), "locked"
    if unlock == "openstack":
        cloud_admin.cli("admin", "user", "set", "--enable", user)
    else:
        glint_server.admin("user", "unlock", user, "--account", acct.name)
    assert signs_in(glint_server, user, acct.password(user), acct.name)


def test_the_glint_cli_lists_disables_and_deletes_users_and_accounts(glint_server,
                                                                       make_account):
    acct = make_account("juliet", {"jo": "member", "jay": "reader"})
    listed = glint_server.admin("user", "list", "--account", "juliet").stdout
    rows = [line.split() for line in listed.splitlines()[1:]]
    assert [(r[0], r[2], r[3]) for r in rows] == [("jay", "reader", "yes"),
                                                 ("jo", "member", "yes")], listed
    glint_server.admin("user", "set", "jo", "--disable")
    assert not signs_in(glint_server, "jo", acct.password("jo"), "juliet")
    glint_server.admin("user", "set", "jo", "--enable", "--password-stdin",
                       input=NEW_PASSWORD + "\n")
    assert signs_in(glint_server, "jo", NEW_PASSWORD, "juliet")
    glint_server.admin("user", "delete", "jay")
    assert not signs_in(glint_server, "jay", acct.password("jay"), "juliet")

    glint_server.admin("account", "set", "juliet", "--disable")
    assert not signs_in(glint_server, "jo", NEW_PASSWORD, "juliet")
    glint_server.admin("account", "set", "juliet", "--enable")
    assert signs_in(glint_server, "jo", NEW_PASSWORD, "juliet")
    glint_server.admin("account", "delete", "juliet")
    assert not signs_in(glint_server, "jo", NEW_PASSWORD, "juliet")
    assert "juliet" not in glint_server.admin("account", "list").stdout
