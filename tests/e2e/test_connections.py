"""Connection hygiene of the real `glint serve`, and requests answered whatever
happens to its log:

- An upload that stalls (Content-Length 10 MiB, 1 KiB sent, then nothing) is
  abandoned after the body progress timeout: its image is `queued` again and a
  retry succeeds.
- Idle connections and slowloris connections (a header byte now and then) are
  closed by the server after the header read timeout.
- With the open-file limit at 256, 500 idle connections do not make the server
  unreachable: a fresh client is served, or gets a fast 503 in the API's error
  shape, and is served normally once the idle ones have timed out.
- With standard error on /dev/full (every log write fails) and verbose
  logging, sign-in, PATCH, member add, upload and download all answer
  correctly.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time

import pytest

from conftest import GlintServer
from live_output import say
from raw_http import admin_token, image_status, new_image, request

REGION = "DFW"
HEADER_TIMEOUT = 2
BODY_TIMEOUT = 2


def open_idle(server: GlintServer, count: int) -> list[socket.socket]:
    conns = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        conns.append(s)
    return conns


def closed_by_server(s: socket.socket, within: float) -> bool:
    """Whether the server closes `s` (EOF or reset) within `within` seconds.
    A 503 or 408 answer before the close counts as closed."""
    s.settimeout(within)
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_a_stalled_upload_is_abandoned_and_its_image_can_be_uploaded_again(server_with):
    server = server_with(body_progress_timeout_secs=BODY_TIMEOUT,
                         header_read_timeout_secs=30)
    token = admin_token(server)
    image = new_image(server, token)
    s = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    s.sendall(
        f"PUT /image/{REGION}/v2/images/{image}/file HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\nX-Auth-Token: {token}\r\n"
        "Content-Type: application/octet-stream\r\n"
        f"Content-Length: {10 * 1024 * 1024}\r\n\r\n".encode()
    )
    s.sendall(b"\0" * 1024)
    started = time.monotonic()
    time.sleep(0.5)
    assert image_status(server, token, image) == "saving"
    # The server gives up on the body; the image goes back to queued.
    deadline = started + BODY_TIMEOUT + 10
    while image_status(server, token, image) != "queued":
        assert time.monotonic() < deadline, "the stalled upload still holds its image"
        time.sleep(0.2)
    waited = time.monotonic() - started
    s.close()
    data = os.urandom(256 * 1024)
    status, _, body = request(server, "PUT", f"/image/{REGION}/v2/images/{image}/file", token,
                              raw=data, headers={"Content-Type": "application/octet-stream"})
    assert status == 204, body
    status, _, body = request(server, "GET", f"/image/{REGION}/v2/images/{image}", token)
    shown = json.loads(body)
    assert shown["status"] == "active"
    assert shown["checksum"] == hashlib.md5(data).hexdigest()
    say(f"stalled upload abandoned after {waited:.1f}s (timeout {BODY_TIMEOUT}s); retry ok")


def test_idle_and_slowloris_connections_are_closed_after_the_header_timeout(server_with):
    server = server_with(header_read_timeout_secs=HEADER_TIMEOUT)
    idle = open_idle(server, 100)
    slow = []
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(b"GET /identity/v3 HTTP/1.1\r\nHost: x\r\n")
        slow.append(s)
    started = time.monotonic()
    # Slowloris: one header byte every half second keeps no connection open for ever.
    slow_closed = set()
    while time.monotonic() - started < HEADER_TIMEOUT + 8 and len(slow_closed) < len(slow):
        for n, s in enumerate(slow):
            if n in slow_closed:
                continue
            try:
                s.sendall(b"X")
            except OSError:
                slow_closed.add(n)
        time.sleep(0.5)
    assert len(slow_closed) == len(slow), f"{len(slow) - len(slow_closed)} slowloris open"
    still_open = sum(1 for s in idle if not closed_by_server(s, 0.05 + HEADER_TIMEOUT))
    assert still_open == 0, f"{still_open} idle connections outlived the header timeout"
    for s in idle + slow:
        s.close()
    status, _, _ = request(server, "GET", "/identity/v3")
    assert status == 200
    say(f"100 idle and 20 slowloris connections closed within "
          f"{time.monotonic() - started:.1f}s (timeout {HEADER_TIMEOUT}s)")


def test_idle_connections_beyond_the_descriptor_limit_leave_the_server_reachable(server_with):
    server = server_with(nofile=256, header_read_timeout_secs=5)
    idle = []
    refused_fast = 0
    for _ in range(500):
        try:
            idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        except OSError:
            refused_fast += 1
    # A fresh client while 500 connections sit idle: served, or a fast 503.
    started = time.monotonic()
    status, headers, body = request(server, "GET", "/identity/v3", timeout=5)
    took = time.monotonic() - started
    assert status in (200, 503), (status, body)
    assert took < 2, f"the fresh client waited {took:.1f}s"
    if status == 503:
        assert json.loads(body)["code"] == "503 Service Unavailable"
        assert headers.get("Retry-After")
    for s in idle:
        s.close()
    # Once the idle ones are gone, every client is served again.
    deadline = time.monotonic() + 15
    while True:
        status, _, _ = request(server, "GET", "/identity/v3", timeout=5)
        if status == 200:
            break
        assert time.monotonic() < deadline, f"still {status} after the idle connections closed"
        time.sleep(0.2)
    assert server.exit_code() is None
    say(f"500 idle connections at a 256-descriptor limit: fresh client {status_word(status)} "
          f"in {took * 1000:.0f} ms")


def status_word(status: int) -> str:
    return "served" if status == 200 else f"answered {status}"


def test_every_request_is_answered_with_standard_error_on_a_full_device(server_with):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    server = server_with(stderr_path="/dev/full", log="debug")
    server.admin("account", "create", "peer", "--id", "123456", "--regions", REGION)
    token = admin_token(server)
    answered = 0
    for n in range(10):
        image = new_image(server, token)
        status, _, body = request(
            server, "PATCH", f"/image/{REGION}/v2/images/{image}", token,
            raw=json.dumps([{"op": "add", "path": "/note", "value": str(n)}]).encode(),
            headers={"Content-Type": "application/openstack-images-v2.1-json-patch"},
        )
        assert status == 200, body
        assert json.loads(body)["note"] == str(n)
        status, _, body = request(server, "POST", f"/image/{REGION}/v2/images/{image}/members",
                                  token, body={"member": "123456"})
        assert status == 200, body
        data = os.urandom(64 * 1024)
        status, _, body = request(server, "PUT", f"/image/{REGION}/v2/images/{image}/file",
                                  token, raw=data,
                                  headers={"Content-Type": "application/octet-stream"})
        assert status == 204, body
        status, _, body = request(server, "GET", f"/image/{REGION}/v2/images/{image}/file",
                                  token)
        assert status == 200 and body == data
        token = admin_token(server)
        answered += 5
    assert server.exit_code() is None
    say(f"standard error on /dev/full: {answered} requests answered correctly")
