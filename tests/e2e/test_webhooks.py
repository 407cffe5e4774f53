"""Webhooks against real HTTP receivers started here (127.0.0.1, allowed by
`[webhooks] allow_networks`; retries 1 s apart, doubling):

- deliveries are signed: the signature is checked with Python's `hmac`, an
  implementation independent of Glint's; a receiver that answers 500 twice
  gets the event a third time; every image's events arrive in event order;
  an endpoint of an account that is not a party is never called;
- endpoints at 10.0.0.1, 169.254.169.254 and ::1 are refused at registration
  (400) without any traffic to them (a listener on ::1 sees no connection);
- SIGKILL while a delivery is in flight, after the share committed: once the
  node is back on the same data, the event is delivered, and the receiver,
  deduplicating by event id, has it exactly once;
- two nodes on one PostgreSQL deliver 200 events, each exactly once
  (PostgreSQL runs only).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import GlintServer
from live_output import say
from raw_http import REGION, request

WEBHOOKS = "/glint/v1/webhooks"
SETTINGS = {
    "GLINT__WEBHOOKS__ALLOW_NETWORKS": "127.0.0.1/32",
    "GLINT__WEBHOOKS__RETRY_BASE_SECS": "1",
    "GLINT__WEBHOOKS__POLL_INTERVAL_MS": "100",
}


# --------------------------------------------------------------------------
# a receiver


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request. It answers 500
    to the first `failures` requests and 204 after; while `stalled` is set it
    holds requests unanswered until `release()`."""

    def __init__(self, failures: int = 0, stalled: bool = False):
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.failures = failures
        self.stalled = stalled
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    stall = receiver.stalled
                    fail = not stall and receiver.failures > 0
                    if fail:
                        receiver.failures -= 1
                    status = None if stall else (500 if fail else 204)
                    receiver.requests.append(
                        {"headers": {k.lower(): v for k, v in self.headers.items()},
                         "body": body, "status": status})
                if stall:
                    receiver.released.wait(60)
                    self.close_connection = True
                    return  # the sender is gone by now: no answer
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def release(self) -> None:
        with self.lock:
            self.stalled = False
        self.released.set()

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def received(self) -> list[dict]:
        with self.lock:
            return list(self.requests)

    def acknowledged(self) -> list[dict]:
        """The requests answered 2xx."""
        return [r for r in self.received() if r["status"] == 204]

    def wait_for(self, n: int, timeout: float = 30) -> list[dict]:
        """Waits until `n` distinct events were acknowledged; every request received."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len({event_of(r)["id"] for r in self.acknowledged()}) >= n:
                return self.received()
            time.sleep(0.05)
        raise AssertionError(f"{n} deliveries expected, got {len(self.acknowledged())}: "
                             f"{[r['status'] for r in self.received()]}")


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(**kwargs) -> Receiver:
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for r in made:
        r.stop()


def event_of(received: dict) -> dict:
    return json.loads(received["body"])["event"]


def signed_by(secret: str, received: dict) -> bool:
    """The receiver's check, in Python's hmac: HMAC-SHA256 over "<t>.<body>"."""
    parts = dict(p.split("=", 1) for p in received["headers"]["glint-signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + received["body"],
                        hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(parts["t"])) < 300
    return fresh and hmac.compare_digest(expected, parts["v1"])


def assert_in_order_per_image(received: list[dict]) -> None:
    last: dict[str, int] = {}
    for r in received:
        event = event_of(r)
        image, number = event["image"]["id"], int(event["id"])
        assert number >= last.get(image, 0), f"event {number} of {image} after {last[image]}"
        last[image] = number


# --------------------------------------------------------------------------
# accounts and calls


def call(server: GlintServer, token: str, method: str, path: str, body=None):
    status, _, raw = request(server, method, path, token, body=body)
    return status, (json.loads(raw) if raw else None)


def accounts(server: GlintServer, *specs: tuple[str, str, str]) -> dict[str, str]:
    """Creates each (account, number, role) with one user named after the account;
    the users' tokens by account."""
    tokens = {}
    for name, number, role in specs:
        password = "pw-" + uuid.uuid4().hex[:12]
        server.admin("account", "create", name, "--id", number, "--regions", REGION)
        server.admin("user", "create", name, "--account", name, "--role", role,
                     input=password + "\n")
        status, headers, raw = request(server, "POST", "/identity/v3/auth/tokens", body={
            "auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "name": name, "domain": {"name": "Default"}, "password": password}}},
                "scope": {"project": {"name": name, "domain": {"name": "Default"}}},
            }})
        assert status == 201, raw
        tokens[name] = headers["X-Subject-Token"]
    return tokens


def register(server: GlintServer, token: str, url: str, types=()) -> dict:
    status, hook = call(server, token, "POST", WEBHOOKS,
                        {"url": url, "event_types": list(types)})
    assert status == 201, hook
    return hook


def new_image(server: GlintServer, token: str, name: str) -> str:
    status, image = call(server, token, "POST", f"/image/{REGION}/v2/images",
                         {"name": name, "disk_format": "raw", "container_format": "bare"})
    assert status == 201, image
    return image["id"]


def share(server: GlintServer, token: str, image: str, number: str) -> None:
    status, body = call(server, token, "POST", f"/image/{REGION}/v2/images/{image}/members",
                        {"member": number})
    assert status == 200, body


def answer(server: GlintServer, token: str, image: str, number: str, status_: str) -> None:
    path = f"/image/{REGION}/v2/images/{image}/members/{number}"
    status, body = call(server, token, "PUT", path, {"status": status_})
    assert status == 200, body


# --------------------------------------------------------------------------
# the tests


def test_signed_retried_in_order_per_image_and_only_to_the_parties(server_with, receivers):
    server = server_with(env=SETTINGS)
    tokens = accounts(server, ("hookprod", "8100001", "member"),
                      ("hookcons", "8100002", "manager"), ("hookother", "8100003", "member"))
    producer, consumer, stranger = receivers(failures=2), receivers(), receivers()
    p_hook = register(server, tokens["hookprod"], producer.url)
    c_hook = register(server, tokens["hookcons"], consumer.url, ["share.accepted"])
    register(server, tokens["hookother"], stranger.url)

    first = new_image(server, tokens["hookprod"], "first")
    share(server, tokens["hookprod"], first, "8100002")
    got = producer.wait_for(1)
    assert [r["status"] for r in got] == [500, 500, 204], "retried after two 500s"
    assert len({event_of(r)["id"] for r in got}) == 1

    images = [first] + [new_image(server, tokens["hookprod"], f"img{n}") for n in range(2)]
    for image in images[1:]:
        share(server, tokens["hookprod"], image, "8100002")
    for image in images:
        for status in ("accepted", "rejected", "accepted"):
            answer(server, tokens["hookcons"], image, "8100002", status)

    got = producer.wait_for(12)
    assert all(signed_by(p_hook["secret"], r) for r in got), "every request signed"
    for r in got:
        event = event_of(r)
        assert r["headers"]["glint-event-id"] == event["id"]
        assert r["headers"]["glint-event-type"] == event["type"]
        assert event["producer"] == "8100001" and event["consumer"] == "8100002"
    assert_in_order_per_image(got)
    ids = [event_of(r)["id"] for r in producer.acknowledged()]
    assert len(ids) == len(set(ids)) == 12, "each event once"

    got = consumer.wait_for(6)
    assert all(signed_by(c_hook["secret"], r) for r in got)
    assert {event_of(r)["type"] for r in got} == {"share.accepted"}
    assert_in_order_per_image(got)

    status, log = call(server, tokens["hookprod"], "GET", f"{WEBHOOKS}/{p_hook['id']}/deliveries")
    assert status == 200, log
    assert sorted(d["attempts"] for d in log["deliveries"])[-1] == 3
    time.sleep(0.5)
    assert stranger.received() == [], "not a party: never called"
    say(f"  webhooks: {len(producer.received())} requests for 12 events (2 answered 500), "
        f"{len(consumer.received())} to the consumer, none to the stranger")


def test_private_addresses_are_refused_without_traffic(server_with):
    server = server_with(env=SETTINGS)
    tokens = accounts(server, ("ssrfco", "8200001", "member"))
    canary = None
    try:
        canary = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        canary.bind(("::1", 0))
        canary.listen(8)
        canary.settimeout(0.5)
        v6_port = canary.getsockname()[1]
    except OSError:
        v6_port = 9  # no IPv6 loopback here: nothing could connect anyway
    try:
        for url, why in (("http://10.0.0.1/hook", "private"),
                         ("http://169.254.169.254/latest/meta-data/", "link-local"),
                         (f"http://[::1]:{v6_port}/hook", "loopback")):
            started = time.monotonic()
            status, body = call(server, tokens["ssrfco"], "POST", WEBHOOKS, {"url": url})
            assert status == 400, body
            assert why in body["message"], body
            assert time.monotonic() - started < 2, "answered without trying to connect"
        status, listed = call(server, tokens["ssrfco"], "GET", WEBHOOKS)
        assert listed["webhooks"] == []
        if canary is not None:
            with pytest.raises(socket.timeout):
                canary.accept()
    finally:
        if canary is not None:
            canary.close()


def test_sigkill_between_commit_and_delivery_then_delivered_once(server_with, receivers):
    server = server_with(env=SETTINGS)
    tokens = accounts(server, ("crashprod", "8300001", "member"),
                      ("crashcons", "8300002", "member"))
    receiver = receivers(stalled=True)
    hook = register(server, tokens["crashprod"], receiver.url)
    image = new_image(server, tokens["crashprod"], "crash")
    share(server, tokens["crashprod"], image, "8300002")
    deadline = time.monotonic() + 15
    while not receiver.received():
        assert time.monotonic() < deadline, "the delivery never started"
        time.sleep(0.02)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(10)
    receiver.release()  # the first request is never answered: its sender is gone

    server.start(float(os.environ.get("GLINT_E2E_START_TIMEOUT", "30")))
    got = receiver.wait_for(1)
    delivered = {event_of(r)["id"] for r in receiver.acknowledged()}
    assert len(delivered) == 1 and {event_of(r)["id"] for r in got} == delivered
    assert event_of(got[0])["type"] == "share.created"
    status, log = call(server, tokens["crashprod"], "GET", f"{WEBHOOKS}/{hook['id']}/deliveries")
    assert status == 200 and log["deliveries"][0]["state"] == "delivered", log
    say(f"  SIGKILL mid-delivery: {len(got)} requests, 1 event, delivered after the restart")


@pytest.fixture
def two_nodes(glint_bin, _pg_databases, tmp_path):
    """Two `glint serve` nodes on one fresh PostgreSQL database."""
    if _pg_databases is None:
        pytest.skip("PostgreSQL only (GLINT_E2E_DATABASE_URL is not set)")
    name, url = _pg_databases.create()
    nodes = []
    try:
        for n in (1, 2):
            workdir = tmp_path / f"node{n}"
            workdir.mkdir()
            node = GlintServer(glint_bin, Path(workdir), url)
            node.extra_env = dict(SETTINGS)
            node.start(float(os.environ.get("GLINT_E2E_START_TIMEOUT", "30")))
            nodes.append(node)
        yield nodes
    finally:
        for node in nodes:
            node.stop()
        _pg_databases.drop(name)


def test_two_nodes_deliver_200_events_each_once(two_nodes, receivers):
    node1, node2 = two_nodes
    tokens = accounts(node1, ("scaleprod", "8400001", "member"),
                      ("scalecons", "8400002", "manager"))
    receiver = receivers()
    register(node1, tokens["scaleprod"], receiver.url)
    images = [new_image(node1, tokens["scaleprod"], f"s{n}") for n in range(20)]

    def events_of(n: int, image: str) -> None:
        node = (node1, node2)[n % 2]
        share(node, tokens["scaleprod"], image, "8400002")
        for k in range(9):
            answer((node2, node1)[(n + k) % 2], tokens["scalecons"], image, "8400002",
                   ("accepted", "rejected", "pending")[k % 3])

    workers = [threading.Thread(target=events_of, args=(n, image))
               for n, image in enumerate(images)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    got = receiver.wait_for(200, timeout=60)
    ids = [event_of(r)["id"] for r in got]
    assert len(ids) == 200 and len(set(ids)) == 200, (
        f"{len(ids)} requests for {len(set(ids))} events: each once")
    assert_in_order_per_image(got)
    time.sleep(1)
    assert len(receiver.received()) == 200, "nothing more came"
    say("  two nodes: 200 events, 200 deliveries")
