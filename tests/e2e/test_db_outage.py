"""PostgreSQL goes away under a running `glint serve` and comes back
(PostgreSQL runs only: the throwaway cluster of the test command is stopped
and started again on the same port):

- while it is down, requests that need the database answer 503 in the API's
  own error shape with Retry-After, within the pool's wait, never 500 and
  never a hang;
- once it is back, the same requests answer 200 again without a restart of
  Glint.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from pathlib import Path

import pytest

from live_output import say
from raw_http import REGION, admin_token, new_image, request


def cluster() -> tuple[Path, Path]:
    if not os.environ.get("GLINT_E2E_DATABASE_URL"):
        pytest.skip("PostgreSQL only (GLINT_E2E_DATABASE_URL is not set)")
    pg_dir, pg_bin = os.environ.get("GLINT_PG_DIR"), os.environ.get("GLINT_PG_BIN")
    if not pg_dir or not pg_bin:
        pytest.skip("the test command's throwaway cluster is not known (GLINT_PG_DIR)")
    return Path(pg_dir), Path(pg_bin)


def as_postgres(*args: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, cwd="/",
                   stdout=subprocess.DEVNULL)


def stop(pg_dir: Path, pg_bin: Path) -> list[str]:
    """Stops the cluster; the server options to start it with again."""
    opts = shlex.split((pg_dir / "data" / "postmaster.opts").read_text())
    as_postgres(str(pg_bin / "pg_ctl"), "-D", str(pg_dir / "data"), "-m", "fast", "-w", "stop")
    # postmaster.opts: the postgres binary, then its arguments (-D DIR among them).
    return [a for a in opts[1:]]


def start(pg_dir: Path, pg_bin: Path, opts: list[str]) -> None:
    server_opts = []
    skip = False
    for a in opts:
        if skip:
            skip = False
            continue
        if a == "-D":
            skip = True
            continue
        server_opts.append(a)
    as_postgres(str(pg_bin / "pg_ctl"), "-D", str(pg_dir / "data"), "-l",
                str(pg_dir / "server.log"), "-w", "-t", "30", "-o", shlex.join(server_opts),
                "start")


def test_a_database_outage_answers_503_and_service_resumes_when_it_is_back(server_with):
    pg_dir, pg_bin = cluster()
    server = server_with()
    token = admin_token(server)
    image = new_image(server, token)
    show = f"/image/{REGION}/v2/images/{image}"
    assert request(server, "GET", show, token)[0] == 200
    opts = stop(pg_dir, pg_bin)
    try:
        answers = []
        for method, path, body in (("GET", show, None),
                                   ("GET", f"/image/{REGION}/v2/images", None),
                                   ("POST", f"/image/{REGION}/v2/images", {"name": "x"})):
            started = time.monotonic()
            status, headers, raw = request(server, method, path, token, body=body, timeout=40)
            took = time.monotonic() - started
            answers.append((status, took))
            assert status == 503, (method, path, status, raw)
            assert json.loads(raw)["code"] == "503 Service Unavailable"
            assert headers.get("Retry-After"), "a 503 without Retry-After"
            assert took < 30, f"{method} {path} took {took:.0f}s"
    finally:
        start(pg_dir, pg_bin, opts)
    deadline = time.monotonic() + 30
    while True:
        status, _, _ = request(server, "GET", show, token, timeout=40)
        if status == 200:
            break
        assert time.monotonic() < deadline, f"still {status} after PostgreSQL came back"
        time.sleep(0.5)
    assert new_image(server, token)
    assert server.exit_code() is None
    say("database outage: " + ", ".join(f"{s} in {t:.1f}s" for s, t in answers)
          + "; 200 again once PostgreSQL was back")
