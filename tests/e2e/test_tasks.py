"""The legacy tasks API and the usage call with the real clients: the cloud
admin runs glanceclient's `glance task-create` for an `import` task whose
source is a local HTTP server (the only place the fetch may go: its port and
127.0.0.1 are allowed in SERVER_ENV), follows it with `task-show` to success
and finds it in `task-list`; the task's image holds the served data. A member
is refused the tasks API (403), an unresolvable source is 400 at once, and
`GET /v2/info/usage` counts the caller's own account's images, unlimited.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import time
from pathlib import Path

import pytest

from conftest import clean_env, find_openstack_cli
from local_source import reachable, serve

DATA = bytes(range(256)) * 4096  # 1 MiB

PORT = serve({"/disk.raw": DATA})
SERVER_ENV = reachable(PORT)
USER = "tess"


@pytest.fixture(scope="module")
def account(make_account):
    return make_account("tasks", {USER: "member"}, number="9200001")


def glance_cli(server, account, user: str, *args: str) -> subprocess.CompletedProcess:
    """Runs glanceclient's own `glance` CLI as USER of ACCOUNT in its region."""
    cmd = [
        str(Path(find_openstack_cli()).parent / "glance"),
        "--os-auth-url", server.auth_url,
        "--os-username", user,
        "--os-password", account.password(user),
        "--os-user-domain-name", "Default",
        "--os-project-name", account.name,
        "--os-project-domain-name", "Default",
        "--os-region-name", account.region,
        "--os-image-api-version", "2",
        *args,
    ]
    return subprocess.run(
        cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        env=clean_env(), timeout=120,
    )


def table(stdout: str) -> dict[str, str]:
    """The `| Property | Value |` rows of a glance CLI table."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 2:
            rows[cells[0]] = cells[1]
    return rows


def ended(glance, task_id: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        task = glance.tasks.get(task_id)
        if task["status"] in ("success", "failure"):
            return task
        assert time.monotonic() < deadline, dict(task)
        time.sleep(0.2)


def test_the_admin_imports_with_task_create_and_follows_it_with_task_show(
    glint_server, cloud_admin
):
    task_input = {
        "import_from": f"http://127.0.0.1:{PORT}/disk.raw",
        "import_from_format": "raw",
        "image_properties": {"name": "from-a-task", "disk_format": "raw",
                             "container_format": "bare"},
    }
    created = glance_cli(glint_server, cloud_admin, "admin", "task-create",
                         "--type", "import", "--input", json.dumps(task_input))
    assert created.returncode == 0, created.stderr
    row = table(created.stdout)
    assert row["type"] == "import"
    assert row["status"] in ("pending", "processing", "success"), created.stdout
    task_id = row["id"]

    done = ended(cloud_admin.glance("admin"), task_id)
    assert done["status"] == "success", dict(done)
    shown = glance_cli(glint_server, cloud_admin, "admin", "task-show", task_id)
    assert shown.returncode == 0, shown.stderr
    shown_row = table(shown.stdout)
    assert shown_row["status"] == "success"
    assert shown_row["owner"] == cloud_admin.number
    image_id = done["result"]["image_id"]
    assert image_id in shown_row["result"]

    image = cloud_admin.glance("admin").images.get(image_id)
    assert image["status"] == "active"
    assert image["checksum"] == hashlib.md5(DATA).hexdigest()
    assert image["owner"] == cloud_admin.number

    listed = glance_cli(glint_server, cloud_admin, "admin", "task-list", "--sort-dir", "asc")
    assert listed.returncode == 0, listed.stderr
    assert task_id in listed.stdout


def test_members_are_refused_bad_sources_are_400_and_usage_is_the_accounts_own(
    account, cloud_admin
):
    from glanceclient import exc

    refused = glance_cli(account.server, account, USER, "task-list")
    assert refused.returncode != 0
    assert "403" in refused.stderr or "Forbidden" in refused.stderr, refused.stderr
    with pytest.raises(exc.HTTPForbidden):
        account.glance(USER).tasks.get("0f2c3a5e-8a4b-4a7e-9d1c-2b3c4d5e6f70")

    with pytest.raises(exc.HTTPBadRequest) as bad:
        cloud_admin.glance("admin").tasks.create(type="import", input={
            "import_from": "http://glint-no-such-host.invalid/disk.qcow2",
            "import_from_format": "qcow2",
            "image_properties": {"disk_format": "qcow2", "container_format": "bare"},
        })
    assert "does not pass filtering" in str(bad.value)

    glance = account.glance(USER)
    image = glance.images.create(name="counted", disk_format="raw", container_format="bare")
    glance.images.upload(image["id"], io.BytesIO(DATA * 2))
    status, body = account.api(USER, "GET", "/image/DFW/v2/info/usage")
    assert status == 200, body
    usage = body["usage"]
    assert usage["image_count_total"] == {"limit": -1, "usage": 1}
    assert usage["image_size_total"] == {"limit": -1, "usage": 2}
    assert usage["image_count_uploading"] == {"limit": -1, "usage": 0}
    assert usage["image_stage_total"] == {"limit": -1, "usage": 0}
