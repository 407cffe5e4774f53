"""A full disk, for the image store and for the database, on small tmpfs
mounts (root only; skipped elsewhere unless GLINT_REQUIRE_MOUNT=1):

- Store full: an upload that does not fit answers 413 "Image storage media is
  full" in the API's error shape, leaves no temp file and puts its image back
  to `queued`; once space is freed the same upload succeeds.
- Database full (SQLite): writes (PATCH, member add, sign-in, create) answer
  503 with Retry-After, never 500; the log has no misleading rollback warning;
  `PRAGMA integrity_check` is ok; once the mount grows, writes succeed again.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from live_output import say
from raw_http import REGION, admin_token, image_status, new_image, request, upload

MIB = 1024 * 1024


@contextlib.contextmanager
def tmpfs(size_mib: int):
    """A tmpfs of `size_mib` MiB, mounted for the block and removed after."""
    where = Path(tempfile.mkdtemp(prefix="glint-full-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mib}m", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        where.rmdir()
        if os.environ.get("GLINT_REQUIRE_MOUNT") == "1":
            pytest.fail(f"cannot mount a tmpfs: {done.stderr.strip()}")
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        with contextlib.suppress(OSError):
            where.rmdir()


def resize(where: Path, size_mib: int) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size_mib}m", str(where)], check=True)


def temp_files(root: Path) -> list[str]:
    return [str(p) for p in root.rglob("*.tmp")]


def test_a_full_image_store_answers_413_and_keeps_nothing(server_with):
    with tmpfs(24) as store:
        server = server_with(env={"GLINT__STORAGE__URL": f"file://{store}/{{region}}"})
        token = admin_token(server)
        first = new_image(server, token)
        status, _, body = upload(server, token, first, os.urandom(16 * MIB))
        assert status == 204, body
        second = new_image(server, token)
        status, headers, body = upload(server, token, second, os.urandom(16 * MIB))
        assert status == 413, body
        fault = json.loads(body)
        assert fault["code"] == "413 Request Entity Too Large"
        assert "Image storage media is full" in fault["message"], fault
        assert image_status(server, token, second) == "queued"
        assert temp_files(store) == [], "the failed upload left temp files"
        # Space comes back: the same upload goes through.
        status, _, body = request(server, "DELETE", f"/image/{REGION}/v2/images/{first}", token)
        assert status == 204, body
        data = os.urandom(16 * MIB)
        status, _, body = upload(server, token, second, data)
        assert status == 204, body
        assert image_status(server, token, second) == "active"
        server.stop()
    say("store full: 413 'Image storage media is full', image queued, no temp files; "
          "upload succeeded after space was freed")


def test_a_full_database_answers_503_and_recovers(server_with):
    with tmpfs(64) as data_dir:
        server = server_with(sqlite=True, data_dir=str(data_dir),
                             env={"GLINT__STORAGE__URL": f"file://{data_dir.parent}/"
                                  f"{data_dir.name}-store/{{region}}"})
        server.admin("account", "create", "peer", "--id", "123456", "--regions", REGION)
        token = admin_token(server)
        image = new_image(server, token)
        # Fill the mount to the brim, leaving the database no room to grow.
        filler = data_dir / "filler"
        for piece, mode in ((MIB, "wb"), (4096, "ab"), (1, "ab")):
            with open(filler, mode, buffering=0) as f, contextlib.suppress(OSError):
                while True:
                    f.write(b"\0" * piece)
        answers = []
        big = "x" * 60000
        for n in range(40):
            status, headers, body = request(
                server, "PATCH", f"/image/{REGION}/v2/images/{image}", token,
                raw=json.dumps([{"op": "add", "path": f"/p{n}", "value": big}]).encode(),
                headers={"Content-Type": "application/openstack-images-v2.1-json-patch"})
            answers.append(status)
            if status == 503:
                assert headers.get("Retry-After"), "a 503 without Retry-After"
                assert json.loads(body)["code"] == "503 Service Unavailable"
        for _ in range(5):
            status, _, body = request(server, "POST", f"/image/{REGION}/v2/images",
                                      token, body={"name": "x" * 200})
            answers.append(status)
            status, _, _ = request(server, "POST",
                                   f"/image/{REGION}/v2/images/{image}/members", token,
                                   body={"member": "123456"})
            answers.append(status)
        for _ in range(3):
            status, _, _ = request(server, "POST", "/identity/v3/auth/tokens", body={
                "auth": {"identity": {"methods": ["password"], "password": {"user": {
                    "name": "admin", "domain": {"name": "Default"},
                    "password": server.admin_password}}},
                    "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
            answers.append(status)
        assert 503 in answers, f"the full database never answered 503: {answers}"
        assert all(s < 500 or s == 503 for s in answers), answers
        assert server.exit_code() is None
        log = server.log_tail(2000)
        assert "rolling back an unfinished write failed" not in log
        # Space comes back: writes go through again.
        filler.unlink()
        resize(data_dir, 128)
        status, _, body = request(
            server, "PATCH", f"/image/{REGION}/v2/images/{image}", token,
            raw=json.dumps([{"op": "add", "path": "/after", "value": "ok"}]).encode(),
            headers={"Content-Type": "application/openstack-images-v2.1-json-patch"})
        assert status == 200, body
        token = admin_token(server)
        assert new_image(server, token)
        server.stop()
        check = sqlite3.connect(data_dir / "glint.db").execute("PRAGMA integrity_check")
        assert check.fetchone()[0] == "ok"
    say(f"database full: {answers.count(503)} of {len(answers)} writes answered 503 "
          f"(none 500), integrity_check ok, writes resumed after space returned")
