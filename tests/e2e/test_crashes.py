"""SIGKILL, again and again: one real `glint serve` is killed at a random
moment (fixed seed) while clients upload image data, delete images and burst
metadata changes, then restarted on the same data, GLINT_E2E_KILLS times
(default 40). After every restart a full check:

- every acknowledged operation is there: a created image exists, an
  acknowledged upload left the image active with exactly the data sent, an
  acknowledged delete left it gone, an acknowledged PATCH left its property;
- every active image's data downloads with the hash of what was sent (also for
  an upload cut by the kill that the server had already finished);
- no image is left `saving` (a cut upload is `queued` again);
- no orphaned data: once the start-up sweep has run, every file in the image
  store belongs to an image that is not deleted;
- no temp files in the store.

The closing line gives the figures: kills, acknowledged operations by kind,
lost, orphans, temp files.
"""

from __future__ import annotations

import hashlib
import itertools
import http.client
import json
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from conftest import _RUNNING
from live_output import say
from raw_http import REGION, admin_token

KILLS = int(os.environ.get("GLINT_E2E_KILLS", "40"))
SEED = int(os.environ.get("GLINT_E2E_KILL_SEED", "20261204"))
MIB = 1024 * 1024
PATCH_MEDIA = "application/openstack-images-v2.1-json-patch"


def payload(seed: int) -> bytes:
    rng = random.Random(seed)
    return rng.randbytes(rng.randrange(MIB // 2, 3 * MIB))


@dataclass
class Known:
    """What the clients were told about one image."""
    uploaded: int | None = None  # seed of the acknowledged data
    tried: set[int] = field(default_factory=set)  # seeds of uploads without an answer
    deleted: bool = False
    delete_tried: bool = False
    props: dict[str, str] = field(default_factory=dict)


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.images: dict[str, Known] = {}
        self.acked = {"create": 0, "upload": 0, "delete": 0, "patch": 0}

    def ack(self, kind: str) -> None:
        with self.lock:
            self.acked[kind] += 1

    def live_ids(self) -> list[str]:
        with self.lock:
            return [i for i, k in self.images.items() if not k.deleted and not k.delete_tried]


def chunked(data: bytes):
    for start in range(0, len(data), 256 * 1024):
        yield data[start:start + 256 * 1024]


def put_data(port: int, token: str, image: str, data: bytes) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("PUT", f"/image/{REGION}/v2/images/{image}/file", body=chunked(data),
                     headers={"X-Auth-Token": token, "Accept": "application/json",
                              "Content-Type": "application/octet-stream"},
                     encode_chunked=True)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def call(port: int, token: str, method: str, path: str, body: bytes | None = None,
         media: str = "application/json") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"X-Auth-Token": token, "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = media
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def uploader(port, token, ledger: Ledger, rng: random.Random, stop: threading.Event):
    while not stop.is_set():
        status, body = call(port, token, "POST", f"/image/{REGION}/v2/images", json.dumps(
            {"name": "crash", "disk_format": "raw", "container_format": "bare"}).encode())
        if status != 201:
            return
        image = json.loads(body)["id"]
        with ledger.lock:
            ledger.images[image] = Known()
        ledger.ack("create")
        seed = rng.randrange(1 << 30)
        with ledger.lock:
            ledger.images[image].tried.add(seed)
        if put_data(port, token, image, payload(seed)) == 204:
            with ledger.lock:
                ledger.images[image].uploaded = seed
            ledger.ack("upload")


def deleter(port, token, ledger: Ledger, rng: random.Random, stop: threading.Event):
    while not stop.is_set():
        live = [i for i in ledger.live_ids() if ledger.images[i].uploaded is not None]
        if not live:
            time.sleep(0.02)
            continue
        image = rng.choice(live)
        with ledger.lock:
            ledger.images[image].delete_tried = True
        status, _ = call(port, token, "DELETE", f"/image/{REGION}/v2/images/{image}")
        if status == 204:
            with ledger.lock:
                ledger.images[image].deleted = True
            ledger.ack("delete")


# Property names never repeat, across threads and restarts, so that each acknowledged value has
# one writer.
_names = itertools.count()


def patcher(port, token, ledger: Ledger, rng: random.Random, stop: threading.Event):
    while not stop.is_set():
        live = ledger.live_ids()
        if not live:
            time.sleep(0.02)
            continue
        image = rng.choice(live)
        # A burst of changes to one image.
        for _ in range(rng.randrange(3, 12)):
            name, value = f"k{next(_names)}", str(rng.randrange(1 << 20))
            status, _ = call(port, token, "PATCH", f"/image/{REGION}/v2/images/{image}",
                             json.dumps([{"op": "add", "path": f"/{name}", "value": value}]
                                        ).encode(), PATCH_MEDIA)
            if status == 200:
                with ledger.lock:
                    ledger.images[image].props[name] = value
                ledger.ack("patch")
            elif status in (404, 409):
                break


def run_clients(server, token, ledger: Ledger, rng: random.Random,
                stop: threading.Event) -> list[threading.Thread]:

    def guarded(work, seed):
        try:
            work(server.port, token, ledger, random.Random(seed), stop)
        except OSError:
            pass  # the server was killed under the request
        except http.client.HTTPException:
            pass

    threads = [
        threading.Thread(target=guarded, args=(work, rng.randrange(1 << 30)), daemon=True)
        for work in (uploader, uploader, deleter, patcher, patcher)
    ]
    for t in threads:
        t.start()
    return threads


def kill(server) -> None:
    while server in _RUNNING:
        _RUNNING.remove(server)
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait(timeout=30)


def check(server, token: str, ledger: Ledger) -> dict[str, int]:
    """The full check after a restart; returns what it counted."""
    lost = verified = 0
    what: list[str] = []
    for image, known in list(ledger.images.items()):
        status, body = call(server.port, token, "GET", f"/image/{REGION}/v2/images/{image}")
        if known.deleted:
            if status != 404:
                lost += 1
                what.append(f"{image}: deleted, but answers {status}")
            continue
        if status == 404 and known.delete_tried:
            known.deleted = True  # the delete went through before the kill
            continue
        assert status == 200, (image, status, body)
        shown = json.loads(body)
        known.delete_tried = False
        for name, value in known.props.items():
            if shown.get(name) != value:
                lost += 1
                what.append(f"{image}: {name} is {shown.get(name)!r}, acknowledged {value!r}")
        assert shown["status"] != "saving", f"{image} still saving after a restart"
        if known.uploaded is not None and shown["status"] != "active":
            lost += 1
            what.append(f"{image}: uploaded, but {shown['status']}")
        if shown["status"] == "active":
            seeds = {known.uploaded} if known.uploaded is not None else known.tried
            sums = {hashlib.md5(payload(s)).hexdigest(): s for s in seeds}
            assert shown["checksum"] in sums, f"{image} holds data nobody sent"
            status, data = call(server.port, token, "GET",
                                f"/image/{REGION}/v2/images/{image}/file")
            assert status == 200 and hashlib.md5(data).hexdigest() == shown["checksum"], image
            known.uploaded = sums[shown["checksum"]]
            verified += 1
        known.tried.clear()
    store = Path(server.data_dir) / "images" / REGION / "images"
    deadline = time.monotonic() + 15
    while True:
        orphans = [p.name for p in store.iterdir() if not p.name.startswith(".")
                   and (p.name not in ledger.images or ledger.images[p.name].deleted)]
        if not orphans or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    temp = [str(p) for p in Path(server.data_dir, "images").rglob("*.tmp")]
    for line in what:
        say(f"  LOST {line}")
    return {"lost": lost, "verified": verified, "orphans": len(orphans), "temp": len(temp)}


def test_sigkill_under_uploads_deletes_and_metadata_bursts_loses_nothing(server_with):
    server = server_with(env={"GLINT__IMAGES__SWEEP_INTERVAL_SECS": "1"})
    rng = random.Random(SEED)
    ledger = Ledger()
    totals = {"lost": 0, "orphans": 0, "temp": 0, "verified": 0}
    started = time.monotonic()
    for n in range(KILLS):
        token = admin_token(server)
        stop = threading.Event()
        threads = run_clients(server, token, ledger, rng, stop)
        time.sleep(rng.uniform(0.3, 1.2))
        kill(server)
        stop.set()  # clients between requests stop too
        for t in threads:
            t.join(timeout=30)
        server.start(30)
        token = admin_token(server)
        found = check(server, token, ledger)
        for key in totals:
            totals[key] += found[key]
        assert found["lost"] == 0, f"kill {n + 1}: acknowledged operations lost"
        assert found["orphans"] == 0, f"kill {n + 1}: orphaned data after the sweep"
        assert found["temp"] == 0, f"kill {n + 1}: temp files left in the store"
        say(f"  kill {n + 1}/{KILLS}: {len(ledger.images)} images, "
              f"{found['verified']} active verified")
    acked = ledger.acked
    say(f"SIGKILL probe: {KILLS} kills in {time.monotonic() - started:.0f}s (seed {SEED}); "
          f"acknowledged {acked['create']} creates, {acked['upload']} uploads, "
          f"{acked['delete']} deletes, {acked['patch']} PATCHes; lost {totals['lost']}, "
          f"orphans {totals['orphans']}, temp files {totals['temp']}")
