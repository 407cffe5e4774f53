"""Plain HTTP for the end-to-end tests that drive `glint serve` below the
OpenStack clients: one request on a fresh connection, the bootstrap admin's
token, a new image and its status, and `server_with`, a fixture that starts a
server with its own [server] settings, open-file limit and standard error.
"""

from __future__ import annotations

import http.client
import json
import os
from pathlib import Path

import pytest

from conftest import ADMIN_PASSWORD, GlintServer

REGION = "DFW"


@pytest.fixture
def server_with(glint_bin, _pg_databases, tmp_path_factory):
    """server_with(nofile=None, stderr_path=None, log=None, env=None,
    data_dir=None, sqlite=False, **settings) -> a started GlintServer whose
    [server] settings are given as keyword arguments (and any other GLINT_*
    variables in `env`); `sqlite` keeps it on SQLite in a PostgreSQL run."""
    started: list[tuple[GlintServer, str | None]] = []

    def start(nofile: int | None = None, stderr_path: str | None = None,
              log: str | None = None, env: dict[str, str] | None = None,
              data_dir: str | None = None, sqlite: bool = False,
              **settings) -> GlintServer:
        workdir = tmp_path_factory.mktemp("glint-conn")
        db_name = database_url = None
        if _pg_databases is not None and not sqlite:
            db_name, database_url = _pg_databases.create()
        server = GlintServer(glint_bin, workdir, database_url)
        if data_dir is not None:
            server.data_dir = Path(data_dir)
        server.extra_env = {
            f"GLINT__SERVER__{key.upper()}": str(value) for key, value in settings.items()
        }
        server.extra_env.update(env or {})
        if log:
            server.extra_env["GLINT_LOG"] = log
        server.nofile = nofile
        server.stderr_path = stderr_path
        started.append((server, db_name))
        server.start(float(os.environ.get("GLINT_E2E_START_TIMEOUT", "30")))
        return server

    yield start
    for server, db_name in started:
        server.stop()
        if db_name is not None:
            _pg_databases.drop(db_name)


def request(server: GlintServer, method: str, path: str, token: str | None = None,
            body=None, headers: dict | None = None, raw: bytes | None = None,
            timeout: float = 10) -> tuple[int, http.client.HTTPMessage, bytes]:
    hdrs = {"Accept": "application/json", **(headers or {})}
    data = raw
    if token:
        hdrs["X-Auth-Token"] = token
    if body is not None:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def admin_token(server: GlintServer) -> str:
    status, headers, body = request(server, "POST", "/identity/v3/auth/tokens", body={
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"name": "Default"}, "password": ADMIN_PASSWORD,
            }}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}},
        }
    })
    assert status == 201, body
    return headers["X-Subject-Token"]


def new_image(server: GlintServer, token: str) -> str:
    status, _, body = request(server, "POST", f"/image/{REGION}/v2/images", token, body={
        "name": "conn-test", "disk_format": "raw", "container_format": "bare",
    })
    assert status == 201, body
    return json.loads(body)["id"]


def image_status(server: GlintServer, token: str, image: str) -> str:
    status, _, body = request(server, "GET", f"/image/{REGION}/v2/images/{image}", token)
    assert status == 200, body
    return json.loads(body)["status"]




def upload(server: GlintServer, token: str, image: str, data: bytes,
           timeout: float = 60) -> tuple[int, http.client.HTTPMessage, bytes]:
    """PUT image data on a plain socket, reading the answer even when the server
    answers (and stops reading) before the whole body was sent, as it does for a
    refused upload."""
    import socket

    s = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    try:
        s.sendall(
            f"PUT /image/{REGION}/v2/images/{image}/file HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"X-Auth-Token: {token}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {len(data)}\r\nAccept: application/json\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        view = memoryview(data)
        try:
            for start in range(0, len(data), 256 * 1024):
                s.sendall(view[start:start + 256 * 1024])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early; its answer is waiting
        resp = http.client.HTTPResponse(s)
        resp.begin()
        return resp.status, resp.headers, resp.read()
    finally:
        s.close()
