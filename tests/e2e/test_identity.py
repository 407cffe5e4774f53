"""Identity v3 end to end: accounts and users made with the glint admin
commands, tokens and catalogs read with the real `openstack` CLI and
openstacksdk."""

from __future__ import annotations

import datetime
import re

import openstack as openstack_sdk
import pytest
from conftest import sdk_connect

ALL_INTERFACES = {"public", "internal", "admin"}

ACME_NUMBER = "5550101"
ALICE_PASSWORD = "alice-Secret-pw-1"


def endpoint_region(ep: dict) -> str | None:
    region_id = ep.get("region_id")
    region = ep.get("region")
    if region_id and region:
        assert region_id == region, f"region_id and region differ in {ep}"
    return region_id or region


def services_by_type(catalog: list[dict], type_key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for service in catalog:
        out.setdefault(service[type_key], []).append(service)
    return out


def endpoints_of(catalog: list[dict], service_type: str, *, type_key: str, eps_key: str):
    services = services_by_type(catalog, type_key).get(service_type, [])
    assert len(services) == 1, f"expected one {service_type!r} service, got {services}"
    return services[0][eps_key]


def assert_regional_endpoints(server, endpoints: list[dict], kind: str, regions: set[str]):
    """Image/compute endpoints: exactly one per (region, interface) for the
    given regions, with the documented URLs."""
    url_for = server.image_url if kind == "image" else server.compute_url
    seen = {}
    for ep in endpoints:
        region = endpoint_region(ep)
        key = (region, ep["interface"])
        assert key not in seen, f"duplicate {kind} endpoint {key}: {endpoints}"
        seen[key] = ep["url"]
    expected = {(r, i) for r in regions for i in ALL_INTERFACES}
    assert set(seen) == expected, f"{kind} endpoints: got {sorted(seen)}, want {sorted(expected)}"
    for (region, _), url in seen.items():
        assert url.rstrip("/") == url_for(region), f"{kind} endpoint for {region}: {url}"


def cli_catalog(openstack, user, password, project) -> list[dict]:
    catalog = openstack(user, password, project, "catalog", "list", "-f", "json")
    assert isinstance(catalog, list), catalog
    return catalog


def create_account(glint_admin, name: str, number: str, regions: str) -> None:
    glint_admin("account", "create", name, "--id", number, "--regions", regions)


def create_user(glint_admin, username: str, account: str, role: str, password: str) -> None:
    glint_admin(
        "user", "create", username, "--account", account, "--role", role,
        input=password + "\n",
    )


@pytest.fixture(scope="module")
def acme(glint_admin):
    """Account acme (regions DFW, IAD) with member user alice."""
    create_account(glint_admin, "acme", ACME_NUMBER, "DFW,IAD")
    create_user(glint_admin, "alice", "acme", "member", ALICE_PASSWORD)
    return {"name": "acme", "number": ACME_NUMBER, "user": "alice", "password": ALICE_PASSWORD}


# --------------------------------------------------------------------------
# the admin commands


def test_seeded_regions_are_listed(glint_admin):
    out = glint_admin("region", "list").stdout
    for region in ("DFW", "IAD", "LON"):
        assert re.search(rf"\b{region}\b", out), f"region {region} missing from:\n{out}"


def test_account_list_shows_name_and_number(glint_admin, acme):
    out = glint_admin("account", "list").stdout
    lines = [line for line in out.splitlines() if re.search(r"\bacme\b", line)]
    assert lines, f"acme missing from account list:\n{out}"
    assert any(acme["number"] in line for line in lines), (
        f"account number {acme['number']} not on acme's line:\n{out}"
    )


def test_account_without_id_gets_a_number_that_scopes_tokens(glint_admin, openstack):
    created = glint_admin("account", "create", "umbrella", "--regions", "IAD").stdout
    create_user(glint_admin, "ada", "umbrella", "reader", "ada-pw-123456")
    token = openstack("ada", "ada-pw-123456", "umbrella", "token", "issue", "-f", "json")
    number = token["project_id"]
    assert number, token
    assert number in created, f"`account create` did not print the number {number}:\n{created}"
    listed = glint_admin("account", "list").stdout
    assert any(
        "umbrella" in line and number in line for line in listed.splitlines()
    ), f"umbrella / {number} not in account list:\n{listed}"


@pytest.mark.parametrize(
    "args",
    [
        ("user", "create", "bob", "--account", "acme", "--role", "superhero"),
        ("user", "create", "bob", "--account", "no-such-account", "--role", "member"),
        ("account", "set-regions", "acme", "NOWHERE"),
        ("account", "set-regions", "no-such-account", "DFW"),
        ("account", "create", "acme"),
    ],
    ids=["bad-role", "unknown-account", "unknown-region", "unknown-account-regions",
         "duplicate-account"],
)
def test_admin_commands_reject_bad_input(glint_admin, acme, args):
    proc = glint_admin(*args, input="bob-pw-123456\n", check=False)
    assert proc.returncode != 0, f"`glint {' '.join(args)}` succeeded:\n{proc.stdout}"
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected a one-line error, got:\n{proc.stderr}"


# --------------------------------------------------------------------------
# tokens with the openstack CLI


def test_token_issue(openstack, acme):
    token = openstack(acme["user"], acme["password"], acme["name"], "token", "issue", "-f", "json")
    assert token.get("id"), token
    assert token.get("user_id"), token
    assert token.get("project_id") == acme["number"], token
    expires = datetime.datetime.fromisoformat(token["expires"])
    now = datetime.datetime.now(datetime.timezone.utc)
    assert expires > now + datetime.timedelta(minutes=5), f"token expires too soon: {expires}"


def test_token_issue_scoped_by_account_number(openstack, acme):
    token = openstack(
        acme["user"], acme["password"], None, "token", "issue", "-f", "json",
        project_id=acme["number"],
    )
    assert token.get("project_id") == acme["number"], token


def test_tokens_are_distinct(openstack, acme):
    first = openstack(acme["user"], acme["password"], acme["name"], "token", "issue", "-f", "json")
    second = openstack(acme["user"], acme["password"], acme["name"], "token", "issue", "-f", "json")
    assert first["id"] != second["id"]
    assert first["user_id"] == second["user_id"]


@pytest.mark.parametrize(
    "user,password,project",
    [
        ("alice", "wrong-password", "acme"),
        ("nobody", ALICE_PASSWORD, "acme"),
    ],
    ids=["wrong-password", "unknown-user"],
)
def test_bad_credentials_are_rejected(openstack, acme, user, password, project):
    proc = openstack(user, password, project, "token", "issue", "-f", "json", check=False)
    assert proc.returncode != 0, f"token issued with bad credentials:\n{proc.stdout}"
    message = (proc.stdout + proc.stderr).lower()
    assert "401" in message or "authentic" in message, proc.stderr


def test_wrong_project_is_rejected(openstack, acme, glint_admin):
    create_account(glint_admin, "otherco", "5550199", "DFW")
    proc = openstack(
        acme["user"], acme["password"], "otherco", "token", "issue", "-f", "json", check=False
    )
    assert proc.returncode != 0, f"alice got a token for otherco:\n{proc.stdout}"


# --------------------------------------------------------------------------
# the service catalog


def test_catalog_lists_allowed_regions_only(glint_server, openstack, acme):
    catalog = cli_catalog(openstack, acme["user"], acme["password"], acme["name"])
    by_type = services_by_type(catalog, "Type")
    assert {"identity", "image", "compute"} <= set(by_type), catalog
    for service in catalog:
        assert service.get("Name"), f"service without a name: {service}"

    identity = endpoints_of(catalog, "identity", type_key="Type", eps_key="Endpoints")
    assert any(
        ep["interface"] == "public" and ep["url"].startswith(f"{glint_server.base_url}/identity")
        for ep in identity
    ), identity

    for kind in ("image", "compute"):
        endpoints = endpoints_of(catalog, kind, type_key="Type", eps_key="Endpoints")
        assert_regional_endpoints(glint_server, endpoints, kind, {"DFW", "IAD"})


def test_bootstrap_admin_signs_in_with_all_regions(glint_server, glint_admin, openstack):
    token = openstack(
        "admin", glint_server.admin_password, "admin", "token", "issue", "-f", "json"
    )
    listed = glint_admin("account", "list").stdout
    assert any(
        re.search(r"\badmin\b", line) and token["project_id"] in line
        for line in listed.splitlines()
    ), f"admin's account {token['project_id']} not in account list:\n{listed}"
    catalog = cli_catalog(openstack, "admin", glint_server.admin_password, "admin")
    for kind in ("image", "compute"):
        endpoints = endpoints_of(catalog, kind, type_key="Type", eps_key="Endpoints")
        # The seeded regions at least (other tests may add regions later).
        regions = {endpoint_region(ep) for ep in endpoints}
        assert {"DFW", "IAD", "LON"} <= regions, endpoints
        assert_regional_endpoints(glint_server, endpoints, kind, regions)


def test_set_regions_changes_the_next_catalog(glint_server, glint_admin, openstack):
    create_account(glint_admin, "initech", "5550102", "DFW,IAD")
    create_user(glint_admin, "peter", "initech", "manager", "peter-pw-123456")

    before = cli_catalog(openstack, "peter", "peter-pw-123456", "initech")
    for kind in ("image", "compute"):
        endpoints = endpoints_of(before, kind, type_key="Type", eps_key="Endpoints")
        assert_regional_endpoints(glint_server, endpoints, kind, {"DFW", "IAD"})

    glint_admin("account", "set-regions", "initech", "LON")

    after = cli_catalog(openstack, "peter", "peter-pw-123456", "initech")
    for kind in ("image", "compute"):
        endpoints = endpoints_of(after, kind, type_key="Type", eps_key="Endpoints")
        assert_regional_endpoints(glint_server, endpoints, kind, {"LON"})


def test_new_region_appears_in_catalog(glint_server, glint_admin, openstack):
    glint_admin("region", "create", "ORD")
    assert re.search(r"\bORD\b", glint_admin("region", "list").stdout)
    create_account(glint_admin, "hooli", "5550103", "ORD,LON")
    create_user(glint_admin, "gavin", "hooli", "admin", "gavin-pw-123456")
    catalog = cli_catalog(openstack, "gavin", "gavin-pw-123456", "hooli")
    for kind in ("image", "compute"):
        endpoints = endpoints_of(catalog, kind, type_key="Type", eps_key="Endpoints")
        assert_regional_endpoints(glint_server, endpoints, kind, {"ORD", "LON"})


# --------------------------------------------------------------------------
# openstacksdk


def test_openstacksdk_connect(glint_server, acme):
    conn = sdk_connect(glint_server, acme["user"], acme["password"], acme["name"], "IAD")
    try:
        assert conn.authorize()
        assert conn.session.get_project_id() == acme["number"]
        assert conn.current_project_id == acme["number"]

        catalog = conn.service_catalog
        types = {s["type"] for s in catalog}
        assert {"identity", "image", "compute"} <= types, catalog
        for kind in ("image", "compute"):
            endpoints = endpoints_of(catalog, kind, type_key="type", eps_key="endpoints")
            assert_regional_endpoints(glint_server, endpoints, kind, {"DFW", "IAD"})

        assert conn.endpoint_for("image").rstrip("/") == glint_server.image_url("IAD")
        assert conn.endpoint_for("compute").rstrip("/") == glint_server.compute_url("IAD")
        assert (
            conn.endpoint_for("image", region_name="DFW").rstrip("/")
            == glint_server.image_url("DFW")
        )
        assert conn.endpoint_for("image", region_name="LON") is None
    finally:
        conn.close()


def test_openstacksdk_bad_password(glint_server, acme):
    conn = sdk_connect(glint_server, acme["user"], "not-the-password", acme["name"], "DFW")
    try:
        with pytest.raises(openstack_sdk.exceptions.SDKException) as info:
            conn.authorize()
        assert "401" in str(info.value) or "authentic" in str(info.value).lower()
    finally:
        conn.close()
