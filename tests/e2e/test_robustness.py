"""Robustness end to end: the real `glint serve` under large uploads, crashes,
scale-out and the README's bare run command.

- A 2 GiB image goes up (chunked) and comes back down, on the local store and
  on S3 (SeaweedFS), with md5 and sha512 checked against hashes computed here
  and the server's peak resident memory bounded.
- A server killed with SIGKILL mid-upload serves nothing partial after its
  restart and accepts the upload again; on PostgreSQL and S3, a second node
  takes over an upload whose node died, once the upload lease ran out.
- Two nodes on one PostgreSQL database and one S3 store: a share made on one
  node is accepted and downloaded on the other.
- `glint serve` with no flags and no configuration starts on 127.0.0.1:9292.

Environment (besides conftest's):
  GLINT_TEST_S3_URL        s3://bucket?endpoint=…&access_key_id=…&… (SeaweedFS);
                           the S3 variants skip without it
  GLINT_TEST_DATABASE_URL  a postgres:// URL for the multi-node tests when
                           GLINT_E2E_DATABASE_URL is not set
  GLINT_REQUIRE_S3=1, GLINT_REQUIRE_POSTGRES=1
                           fail instead of skipping when the service is missing

Progress of the large transfers (MiB moved, MiB/s) and the measured peak
memory go straight to the terminal, with or without `-s`.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import _RUNNING, GlintServer, PostgresDatabases, clean_env
from live_output import say

MIB = 1024 * 1024
GIB = 1024 * MIB
REGION = "DFW"

# The largest peak resident set a server may reach while moving 2 GiB.
RSS_LIMIT_MIB = 100

BIG_SIZE = 2 * GIB
# The upload cut by SIGKILL: its size, and how much must have reached the
# server (and, on the local store, its temp file) before the kill.
CUT_SIZE = 384 * MIB + 777
CUT_AT = 320 * MIB
CUT_STORED = 300 * MIB

HTTP_TIMEOUT = 300
START_TIMEOUT = float(os.environ.get("GLINT_E2E_START_TIMEOUT", "30"))

README_PORT = 9292


# --------------------------------------------------------------------------
# environment: which services are there


def _required(flag: str) -> bool:
    return os.environ.get(flag, "") not in ("", "0")


def _missing(flag: str, reason: str):
    if _required(flag):
        pytest.fail(f"{reason}, but {flag}=1")
    pytest.skip(reason)


def s3_base_url() -> str:
    url = os.environ.get("GLINT_TEST_S3_URL")
    if not url:
        _missing(
            "GLINT_REQUIRE_S3",
            "GLINT_TEST_S3_URL is not set (source scripts/lib/seaweedfs.sh; glint_s3_start)",
        )
    return url


def pg_base_url() -> str:
    url = os.environ.get("GLINT_E2E_DATABASE_URL") or os.environ.get("GLINT_TEST_DATABASE_URL")
    if not url:
        _missing(
            "GLINT_REQUIRE_POSTGRES",
            "neither GLINT_E2E_DATABASE_URL nor GLINT_TEST_DATABASE_URL is set "
            "(source scripts/lib/postgres.sh; glint_pg_start)",
        )
    return url


def with_prefix(s3_url: str, prefix: str) -> str:
    """The store URL with every key under `prefix/` in the bucket, so that
    each test sees only its own objects."""
    parts = urllib.parse.urlsplit(s3_url)
    path = parts.path.rstrip("/") + "/" + prefix
    return urllib.parse.urlunsplit(parts._replace(path=path))


# --------------------------------------------------------------------------
# data: deterministic, generated on the fly, hashed here


class Payload:
    """SIZE bytes made from a few pseudo-random 1 MiB blocks (seeded), each
    block stamped with its offset so that no two MiB of the data are equal."""

    BLOCK = MIB
    DISTINCT = 13

    def __init__(self, seed: int, size: int):
        self.seed = seed
        self.size = size
        rng = random.Random(seed)
        self._blocks = [rng.randbytes(self.BLOCK) for _ in range(self.DISTINCT)]

    def chunks(self):
        offset = 0
        index = 0
        while offset < self.size:
            n = min(self.BLOCK, self.size - offset)
            block = memoryview(self._blocks[(index * 7 + self.seed) % self.DISTINCT])
            stamp = b"%016x:%08x\n" % (offset, self.seed & 0xFFFFFFFF)
            chunk = b"".join((stamp, block[len(stamp):]))[:n]
            yield chunk
            offset += n
            index += 1


_HASHERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="digest")


class Digest:
    """md5 and sha512 of a byte stream, and its length. The two hashes run on
    two threads side by side (hashlib lets go of the GIL); update() returns
    while they work, so the data given must not change afterwards."""

    def __init__(self):
        self._md5 = hashlib.md5()
        self._sha512 = hashlib.sha512()
        self._pending: tuple = ()
        self.size = 0

    def _settle(self) -> None:
        for job in self._pending:
            job.result()
        self._pending = ()

    def update(self, data: bytes) -> None:
        self._settle()
        self._pending = (
            _HASHERS.submit(self._md5.update, data),
            _HASHERS.submit(self._sha512.update, data),
        )
        self.size += len(data)

    def md5_hex(self) -> str:
        self._settle()
        return self._md5.hexdigest()

    def sha512_hex(self) -> str:
        self._settle()
        return self._sha512.hexdigest()

    def summary(self) -> tuple[int, str, str]:
        return self.size, self.md5_hex(), self.sha512_hex()


class Progress:
    """Reports MiB moved and the rate every STEP bytes, and at the end."""

    STEP = 256 * MIB

    def __init__(self, label: str, total: int | None):
        self.label = label
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self._next = self.STEP

    def add(self, n: int) -> None:
        self.done += n
        if self.total is not None and self.total >= self.STEP and self.done >= self._next:
            self._next += self.STEP
            say(f"    {self.label}: {self.done // MIB}/{self.total // MIB} MiB, "
                f"{self.rate():.0f} MiB/s")

    def elapsed(self) -> float:
        return max(time.monotonic() - self.started, 1e-6)

    def rate(self) -> float:
        return self.done / MIB / self.elapsed()

    def finish(self) -> str:
        line = (f"{self.label}: {self.done / MIB:.0f} MiB in {self.elapsed():.1f} s, "
                f"{self.rate():.0f} MiB/s")
        say("    " + line)
        return line


# --------------------------------------------------------------------------
# the servers


class Node(GlintServer):
    """A `glint serve` with extra GLINT__* configuration in its environment,
    which can be killed with SIGKILL."""

    def __init__(self, binary, workdir, database_url, extra_env):
        super().__init__(binary, workdir, database_url)
        self.extra_env = dict(extra_env)

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(self.extra_env)
        return env

    def kill(self) -> None:
        while self in _RUNNING:
            _RUNNING.remove(self)
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def terminate(self) -> int:
        """SIGTERM, and the exit code."""
        while self in _RUNNING:
            _RUNNING.remove(self)
        assert self.proc is not None
        self.proc.terminate()
        return self.proc.wait(timeout=30)

    def peak_rss_kib(self) -> int:
        return proc_status_kib(self.proc.pid, "VmHWM")

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "images"


def proc_status_kib(pid: int, field: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    m = re.search(rf"^{field}:\s+(\d+)\s+kB", text, re.M)
    assert m, f"no {field} in /proc/{pid}/status"
    return int(m.group(1))


@pytest.fixture
def cluster(glint_bin, tmp_path):
    """start(name, database_url=None, **GLINT__ env) -> a running Node. Nodes
    are stopped, their image data removed and their databases dropped at the
    end of the test."""
    nodes: list[Node] = []
    dropped: list[tuple[PostgresDatabases, str]] = []

    def start(name: str, database_url: str | None = None, **env: str) -> Node:
        workdir = tmp_path / name
        workdir.mkdir()
        node = Node(glint_bin, workdir, database_url, env)
        nodes.append(node)
        node.start(START_TIMEOUT)
        return node

    def database(base_url: str) -> str:
        dbs = PostgresDatabases(base_url)
        name, url = dbs.create()
        dropped.append((dbs, name))
        return url

    start.database = database
    try:
        yield start
    finally:
        for node in nodes:
            node.stop()
        for node in nodes:
            # The large files only: the logs (and SQLite databases) stay for a look.
            _rmtree(node.store_dir)
        for dbs, name in dropped:
            dbs.drop(name)


def _rmtree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def single_node_database(cluster) -> str | None:
    """A fresh PostgreSQL database when the run is on PostgreSQL, else None
    (SQLite in the data folder)."""
    url = os.environ.get("GLINT_E2E_DATABASE_URL")
    return cluster.database(url) if url else None


# --------------------------------------------------------------------------
# HTTP


class Reply:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self):
        return f"<{self.status} {self.body[:500]!r}>"


def call(node: Node, method: str, path: str, token: str | None = None, body=None,
         headers: dict | None = None) -> Reply:
    hdrs = dict(headers or {})
    data = None
    if token:
        hdrs["X-Auth-Token"] = token
    if body is not None:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=60)
    try:
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        return Reply(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def images_path(rest: str = "") -> str:
    return f"/image/{REGION}/v2/images{rest}"


def issue_token(node: Node, user: str, password: str, account: str) -> tuple[str, str]:
    """(token, account number) for USER in ACCOUNT, through NODE."""
    reply = call(node, "POST", "/identity/v3/auth/tokens", body={
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {
                    "name": user, "domain": {"name": "Default"}, "password": password,
                }},
            },
            "scope": {"project": {"name": account, "domain": {"name": "Default"}}},
        }
    })
    assert reply.status == 201, f"sign-in of {user} on {node.base_url}: {reply}"
    token = reply.headers["X-Subject-Token"]
    return token, reply.json()["token"]["project"]["id"]


def make_user(node: Node, account: str, number: str, user: str, role: str) -> str:
    """Creates ACCOUNT (with NUMBER, region DFW) and USER in it; the password."""
    password = f"{user}-pw-{uuid.uuid4().hex[:10]}"
    node.admin("account", "create", account, "--id", number, "--regions", REGION)
    node.admin("user", "create", user, "--account", account, "--role", role,
               input=password + "\n")
    return password


def create_image(node: Node, token: str, name: str, **extra) -> str:
    body = {"name": name, "disk_format": "raw", "container_format": "bare", **extra}
    reply = call(node, "POST", images_path(), token, body)
    assert reply.status == 201, f"create image: {reply}"
    return reply.json()["id"]


def show_image(node: Node, token: str, image_id: str) -> dict:
    reply = call(node, "GET", images_path(f"/{image_id}"), token)
    assert reply.status == 200, f"show image {image_id}: {reply}"
    return reply.json()


class Abort(Exception):
    """Raised from an upload's body to stop sending (the server was killed)."""


def upload(node: Node, token: str, image_id: str, body) -> Reply:
    """PUT the iterable BODY as the image's data, chunked."""
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=HTTP_TIMEOUT)
    try:
        try:
            conn.request("PUT", images_path(f"/{image_id}/file"), body=body,
                         headers={"X-Auth-Token": token,
                                  "Content-Type": "application/octet-stream"},
                         encode_chunked=True)
        except (BrokenPipeError, ConnectionResetError):
            # The server answered (and closed) before reading everything:
            # its answer may still be readable.
            pass
        resp = conn.getresponse()
        return Reply(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def sending(payload: Payload, digest: Digest, progress: Progress | None):
    """The payload's chunks, hashed and counted as they are handed over."""
    for chunk in payload.chunks():
        digest.update(chunk)
        if progress is not None:
            progress.add(len(chunk))
        yield chunk


def download(node: Node, token: str, image_id: str,
             progress: Progress | None = None) -> tuple[Reply, Digest]:
    """GET the image's data, hashing it as it streams in (never held whole)."""
    digest = Digest()
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=HTTP_TIMEOUT)
    try:
        conn.request("GET", images_path(f"/{image_id}/file"),
                     headers={"X-Auth-Token": token})
        resp = conn.getresponse()
        if resp.status != 200:
            return Reply(resp.status, resp.headers, resp.read()), digest
        while True:
            chunk = resp.read(MIB)
            if not chunk:
                break
            digest.update(chunk)
            if progress is not None:
                progress.add(len(chunk))
        return Reply(resp.status, resp.headers, b""), digest
    finally:
        conn.close()


def assert_image_has(image: dict, expected: Digest) -> None:
    size, md5, sha512 = expected.summary()
    assert image["status"] == "active", image
    assert image["size"] == size, f"size {image['size']}, sent {size}"
    assert image["checksum"] == md5, f"checksum {image['checksum']}, md5 of the data {md5}"
    assert image["os_hash_algo"] == "sha512", image
    assert image["os_hash_value"] == sha512, (
        f"os_hash_value {image['os_hash_value']}, sha512 of the data {sha512}"
    )


def assert_download_matches(reply: Reply, got: Digest, expected: Digest) -> None:
    assert reply.status == 200, f"download: {reply}"
    size, md5, sha512 = expected.summary()
    assert got.size == size, f"downloaded {got.size} bytes, uploaded {size}"
    assert got.md5_hex() == md5, "md5 of the downloaded data differs from the upload's"
    assert got.sha512_hex() == sha512, (
        "sha512 of the downloaded data differs from the upload's"
    )


# --------------------------------------------------------------------------
# a read-only look into the S3 bucket (AWS signature v4, standard library)


def _s3_quote(text: str) -> str:
    return urllib.parse.quote(text, safe="-_.~")


class S3Look:
    """Lists what a store URL's prefix holds in the bucket, to check what an
    upload left behind."""

    def __init__(self, store_url: str):
        parts = urllib.parse.urlsplit(store_url)
        q = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        endpoint = urllib.parse.urlsplit(q["endpoint"])
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        self.host = endpoint.netloc
        self.region = q.get("region", "us-east-1")
        self.key_id = q.get("access_key_id") or os.environ.get("AWS_ACCESS_KEY_ID", "")
        self.secret = q.get("secret_access_key") or os.environ.get("AWS_SECRET_ACCESS_KEY", "")

    def _get(self, query: dict[str, str]) -> ET.Element:
        now = datetime.datetime.now(datetime.timezone.utc)
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        day = now.strftime("%Y%m%d")
        path = "/" + self.bucket
        canonical_query = "&".join(
            f"{_s3_quote(k)}={_s3_quote(v)}" for k, v in sorted(query.items())
        )
        empty = hashlib.sha256(b"").hexdigest()
        signed = "host;x-amz-content-sha256;x-amz-date"
        canonical = "\n".join([
            "GET", path, canonical_query,
            f"host:{self.host}\nx-amz-content-sha256:{empty}\nx-amz-date:{amz_date}\n",
            signed, empty,
        ])
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = "\n".join([
            "AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest(),
        ])
        key = ("AWS4" + self.secret).encode()
        for part in (day, self.region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        conn = http.client.HTTPConnection(self.host, timeout=30)
        try:
            conn.request("GET", f"{path}?{canonical_query}", headers={
                "Host": self.host,
                "x-amz-date": amz_date,
                "x-amz-content-sha256": empty,
                "Authorization": (
                    f"AWS4-HMAC-SHA256 Credential={self.key_id}/{scope}, "
                    f"SignedHeaders={signed}, Signature={signature}"
                ),
            })
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        assert resp.status == 200, f"S3 GET {path}?{canonical_query}: {resp.status} {body[:500]!r}"
        return ET.fromstring(body)

    @staticmethod
    def _texts(root: ET.Element, parent: str, child: str) -> list[str]:
        out = []
        for el in root.iter():
            if el.tag.rsplit("}", 1)[-1] == parent:
                for sub in el:
                    if sub.tag.rsplit("}", 1)[-1] == child:
                        out.append(sub.text or "")
        return out

    def objects(self) -> list[str]:
        """Keys of the objects under this store's prefix."""
        root = self._get({"list-type": "2", "prefix": self.prefix + "/"})
        return self._texts(root, "Contents", "Key")

    def open_uploads(self) -> list[str]:
        """Keys of the multipart uploads still open under this store's prefix."""
        root = self._get({"uploads": "", "prefix": self.prefix + "/"})
        return self._texts(root, "Upload", "Key")

    def key_of(self, image_id: str) -> str:
        return f"{self.prefix}/images/{image_id}"


def s3_store(name: str) -> tuple[str, S3Look]:
    """A store URL on the test S3 bucket under a prefix of its own."""
    url = with_prefix(s3_base_url(), f"e2e-{name}-{uuid.uuid4().hex[:10]}")
    return url, S3Look(url)


# --------------------------------------------------------------------------
# local store files


def store_files(node: Node) -> tuple[list[Path], list[Path]]:
    """(object files, hidden files) under DATA_DIR/images, relative to it."""
    visible, hidden = [], []
    root = node.store_dir
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                (hidden if path.name.startswith(".") else visible).append(path.relative_to(root))
    return visible, hidden


def temp_files_of(node: Node, image_id: str) -> list[Path]:
    pattern = re.compile(rf"^\.{re.escape(image_id)}\.[0-9a-f]{{32}}\.tmp$")
    return [node.store_dir / p for p in store_files(node)[1] if pattern.match(p.name)]


def uploader_node(cluster, store: str, name: str, account: tuple[str, str], image_name: str):
    """One node NAME on the local store or on S3 (STORE), with a member `uploader` of a fresh
    ACCOUNT (name, number): the node, a look into its S3 bucket (None for the local store),
    the member's token and the id of a new image named IMAGE_NAME."""
    env = {}
    look = None
    if store == "s3":
        url, look = s3_store(name)
        env["GLINT__STORAGE__URL"] = url
    node = cluster(name, single_node_database(cluster), **env)
    account_name, number = account
    password = make_user(node, account_name, number, "uploader", "member")
    token, _ = issue_token(node, "uploader", password, account_name)
    return node, look, token, create_image(node, token, image_name)


# ==========================================================================
# 1. 2 GiB through one server, memory bounded


@pytest.mark.parametrize("store", ["local", "s3"])
def test_two_gib_round_trip_with_bounded_server_memory(cluster, store):
    node, look, token, image_id = uploader_node(
        cluster, store, "big", ("bigco", "7100001"), f"two-gib-{store}")
    rss_start = node.peak_rss_kib()

    say(f"\n  2 GiB round trip, {store} store, server pid {node.proc.pid}")
    payload = Payload(seed=20260101, size=BIG_SIZE)
    sent = Digest()
    up = Progress(f"upload {store}", BIG_SIZE)
    reply = upload(node, token, image_id, sending(payload, sent, up))
    up_line = up.finish()
    assert reply.status == 204, f"upload of 2 GiB: {reply}"
    assert sent.size == BIG_SIZE
    rss_after_upload = node.peak_rss_kib()

    image = show_image(node, token, image_id)
    assert_image_has(image, sent)

    down = Progress(f"download {store}", BIG_SIZE)
    reply, got = download(node, token, image_id, down)
    down_line = down.finish()
    assert_download_matches(reply, got, sent)
    assert reply.headers.get("Content-MD5") in (None, sent.md5_hex()), reply.headers
    rss_peak = node.peak_rss_kib()
    say(f"    server peak RSS (VmHWM): {rss_start / 1024:.1f} MiB after start, "
        f"{rss_after_upload / 1024:.1f} MiB after upload, {rss_peak / 1024:.1f} MiB after "
        f"download (limit {RSS_LIMIT_MIB} MiB)")

    if look is not None:
        assert look.objects() == [look.key_of(image_id)]
        assert look.open_uploads() == [], "a completed upload left its multipart upload open"
    else:
        visible, hidden = store_files(node)
        assert visible == [Path(REGION, "images", image_id)], visible
        assert hidden == [], f"temp files left after a completed upload: {hidden}"
        assert (node.store_dir / REGION / "images" / image_id).stat().st_size == BIG_SIZE

    assert rss_peak < RSS_LIMIT_MIB * 1024, (
        f"glint's peak RSS was {rss_peak / 1024:.1f} MiB moving 2 GiB through the {store} "
        f"store (limit {RSS_LIMIT_MIB} MiB; {up_line}; {down_line})"
    )
    reply = call(node, "DELETE", images_path(f"/{image_id}"), token)
    assert reply.status == 204, f"delete: {reply}"


# ==========================================================================
# 2. SIGKILL mid-upload


def cut_upload(node: Node, token: str, image_id: str, payload: Payload,
               wait_for_temp: bool) -> int:
    """Starts uploading PAYLOAD and SIGKILLs the server once CUT_AT bytes were
    handed over (and, with wait_for_temp, once CUT_STORED bytes are in the
    local store's temp file). Returns the bytes handed over."""
    progress = Progress("upload before the kill", None)

    def body():
        for chunk in payload.chunks():
            yield chunk
            progress.add(len(chunk))
            if progress.done >= CUT_AT:
                break
        stored = None
        if wait_for_temp:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                temps = temp_files_of(node, image_id)
                stored = max((p.stat().st_size for p in temps), default=0)
                if stored >= CUT_STORED:
                    break
                time.sleep(0.05)
            assert stored is not None and stored >= CUT_STORED, (
                f"{progress.done // MIB} MiB sent but only {(stored or 0) // MIB} MiB "
                "reached the temp file within 60 s"
            )
        else:
            time.sleep(0.5)  # let the server drain the socket buffers
        node.kill()
        say(f"    SIGKILL after {progress.done // MIB} MiB sent"
            + (f", {stored // MIB} MiB in the temp file" if stored is not None else "")
            + f" ({progress.rate():.0f} MiB/s)")
        raise Abort()

    with pytest.raises(Abort):
        upload(node, token, image_id, body())
    return progress.done


@pytest.mark.parametrize("store", ["local", "s3"])
def test_sigkill_mid_upload_then_restart_and_retry(cluster, store):
    node, look, token, image_id = uploader_node(
        cluster, store, "kill", ("killco", "7100002"), f"cut-{store}")
    payload = Payload(seed=777, size=CUT_SIZE)

    say(f"\n  SIGKILL mid-upload, {store} store")
    cut_upload(node, token, image_id, payload, wait_for_temp=(store == "local"))

    if look is not None:
        assert look.key_of(image_id) not in look.objects(), (
            "the cut upload left an object under the image's key"
        )
        left_open = look.open_uploads()
        say(f"    multipart uploads left open in S3 by the killed server: {len(left_open)}")
    else:
        visible, _ = store_files(node)
        assert visible == [], f"the cut upload left object files: {visible}"
        temps = temp_files_of(node, image_id)
        say("    temp files left by the killed server: "
            + (", ".join(f"{p.name} ({p.stat().st_size // MIB} MiB)" for p in temps) or "none"))

    node.start(START_TIMEOUT)  # same data folder, same database
    image = show_image(node, token, image_id)
    assert image["status"] == "queued", (
        f"after the restart the cut upload's image is {image['status']}, want queued: {image}"
    )
    assert image["checksum"] is None and image["os_hash_value"] is None, image
    assert image["size"] in (None, 0), image
    reply, got = download(node, token, image_id)
    assert reply.status == 204 and reply.body == b"", (
        f"GET /file of a queued image answered {reply.status}: {reply}"
    )

    if look is not None:
        assert look.key_of(image_id) not in look.objects()
    else:
        visible, hidden = store_files(node)
        assert visible == [], f"after the restart object files exist: {visible}"
        # The restarted node put its cut upload back to queued and removed its temp file.
        assert hidden == [], f"the restart left the cut upload's temp files: {hidden}"

    sent = Digest()
    up = Progress(f"retry upload {store}", CUT_SIZE)
    reply = upload(node, token, image_id, sending(payload, sent, up))
    up.finish()
    assert reply.status == 204, f"retry upload after the restart: {reply}"
    assert_image_has(show_image(node, token, image_id), sent)
    reply, got = download(node, token, image_id)
    assert_download_matches(reply, got, sent)

    if look is not None:
        assert look.objects() == [look.key_of(image_id)]
        say(f"    multipart uploads still open after the retry: {len(look.open_uploads())}")
        return

    visible, hidden = store_files(node)
    assert visible == [Path(REGION, "images", image_id)], visible
    assert hidden == [], f"temp files left after the retry: {hidden}"


def test_another_node_takes_over_an_upload_cut_by_a_crash(cluster):
    database = cluster.database(pg_base_url())
    store_url, look = s3_store("takeover")
    node1 = cluster("node1", database, GLINT__STORAGE__URL=store_url)
    node2 = cluster("node2", database, GLINT__STORAGE__URL=store_url,
                    GLINT__IMAGES__UPLOAD_LEASE_SECS="2")
    password = make_user(node1, "takeco", "7100003", "uploader", "member")
    token1, _ = issue_token(node1, "uploader", password, "takeco")
    token2, _ = issue_token(node2, "uploader", password, "takeco")
    image_id = create_image(node1, token1, "taken-over")
    payload = Payload(seed=4242, size=CUT_SIZE)

    say("\n  SIGKILL of node 1 mid-upload, node 2 takes over")
    cut_upload(node1, token1, image_id, payload, wait_for_temp=False)
    killed_at = time.monotonic()

    image = show_image(node2, token2, image_id)
    say(f"    node 2 sees the cut upload's image as {image['status']}")
    assert image["status"] in ("saving", "queued"), image
    assert image["checksum"] is None, image
    reply, _ = download(node2, token2, image_id)
    assert reply.status == 204 and reply.body == b"", (
        f"GET /file of an image whose upload was cut answered {reply.status}: {reply}"
    )
    assert look.key_of(image_id) not in look.objects()

    time.sleep(max(0.0, killed_at + 3.5 - time.monotonic()))  # lease 2 s, plus margin
    sent = Digest()
    up = Progress("take-over upload through node 2", CUT_SIZE)
    reply = upload(node2, token2, image_id, sending(payload, sent, up))
    up.finish()
    assert reply.status == 204, (
        f"node 2 could not take over the upload {time.monotonic() - killed_at:.1f} s after "
        f"node 1 died (lease 2 s): {reply}"
    )
    assert_image_has(show_image(node2, token2, image_id), sent)
    reply, got = download(node2, token2, image_id)
    assert_download_matches(reply, got, sent)

    # Node 1 comes back: resetting its own cut uploads must not touch the
    # upload node 2 finished.
    node1.start(START_TIMEOUT)
    assert_image_has(show_image(node1, token1, image_id), sent)
    reply = call(node1, "GET", images_path(f"/{image_id}/file"), token1,
                 headers={"Range": "bytes=0-15"})
    assert reply.status == 206 and reply.body == next(payload.chunks())[:16], reply
    assert look.objects() == [look.key_of(image_id)]
    say(f"    multipart uploads left open in S3: {len(look.open_uploads())}")


# ==========================================================================
# 3. scale-out: two nodes, one database, one store


def test_share_on_one_node_accept_and_download_on_another(cluster):
    database = cluster.database(pg_base_url())
    store_url, _ = s3_store("scale")
    node1 = cluster("node1", database, GLINT__STORAGE__URL=store_url)
    node2 = cluster("node2", database, GLINT__STORAGE__URL=store_url)
    producer_pw = make_user(node1, "prodco", "7200001", "pm", "member")
    consumer_pw = make_user(node1, "consco", "7200002", "cm", "manager")
    producer, producer_number = issue_token(node1, "pm", producer_pw, "prodco")
    consumer, consumer_number = issue_token(node2, "cm", consumer_pw, "consco")
    assert (producer_number, consumer_number) == ("7200001", "7200002")

    image_id = create_image(node1, producer, "golden", visibility="shared")
    payload = Payload(seed=99, size=24 * MIB + 12345)
    sent = Digest()
    reply = upload(node1, producer, image_id, sending(payload, sent, None))
    assert reply.status == 204, f"upload through node 1: {reply}"
    assert_image_has(show_image(node1, producer, image_id), sent)

    reply = call(node1, "POST", images_path(f"/{image_id}/members"), producer,
                 {"member": consumer_number})
    assert reply.status == 200, f"share through node 1: {reply}"
    assert reply.json()["status"] == "pending", reply

    reply = call(node2, "GET", images_path("?member_status=pending"), consumer)
    assert reply.status == 200, reply
    assert [i["id"] for i in reply.json()["images"]] == [image_id], reply

    reply = call(node2, "PUT", images_path(f"/{image_id}/members/{consumer_number}"),
                 consumer, {"status": "accepted"})
    assert reply.status == 200, f"accept through node 2: {reply}"
    assert reply.json()["status"] == "accepted", reply

    reply = call(node2, "GET", images_path(), consumer)
    assert image_id in [i["id"] for i in reply.json()["images"]], reply

    reply, got = download(node2, consumer, image_id)
    assert_download_matches(reply, got, sent)

    reply = call(node1, "GET", images_path(f"/{image_id}/members"), producer)
    assert reply.status == 200, reply
    members = {m["member_id"]: m["status"] for m in reply.json()["members"]}
    assert members == {consumer_number: "accepted"}, members


# ==========================================================================
# 4. the README's run command, no configuration at all


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_readme_run_command_with_no_configuration(glint_bin, tmp_path):
    if not _port_is_free(README_PORT):
        pytest.skip(f"port {README_PORT} is busy; `glint serve` without flags needs it")
    cwd = tmp_path / "fresh"
    cwd.mkdir()
    env = clean_env()  # no GLINT_* at all, so no admin password either
    log = open(tmp_path / "stderr.log", "wb")
    proc = subprocess.Popen(
        [str(glint_bin), "serve"], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=log, text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()

    def output() -> str:
        return "".join(lines) + "\n--- stderr ---\n" + (tmp_path / "stderr.log").read_text()

    try:
        identity = f"http://127.0.0.1:{README_PORT}/identity/v3"
        deadline = time.monotonic() + START_TIMEOUT
        ready = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", README_PORT, timeout=2)
                conn.request("GET", "/identity/v3")
                ready = conn.getresponse().status == 200
                conn.close()
            except OSError:
                pass
            if ready:
                break
            time.sleep(0.1)
        if not ready and proc.poll() is not None and "in use" in output().lower():
            pytest.skip(f"port {README_PORT} was taken meanwhile:\n{output()}")
        assert ready, f"GET {identity} never answered 200:\n{output()}"

        password = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            m = re.search(r"created user admin with password (\S+)", "".join(lines))
            if m:
                password = m.group(1)
                break
            time.sleep(0.05)
        text = "".join(lines)
        assert identity in text, f"the identity URL {identity} was not printed:\n{output()}"
        assert password, f"no generated admin password was printed:\n{output()}"
        assert (cwd / "glint-data").is_dir(), f"./glint-data was not created:\n{output()}"
        assert (cwd / "glint-data" / "glint.db").is_file(), (
            f"no SQLite database in ./glint-data:\n{output()}"
        )

        conn = http.client.HTTPConnection("127.0.0.1", README_PORT, timeout=30)
        conn.request("POST", "/identity/v3/auth/tokens", headers={
            "Content-Type": "application/json"}, body=json.dumps({"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "name": "admin", "domain": {"name": "Default"}, "password": password}}},
                "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}},
            }}))
        resp = conn.getresponse()
        resp.read()
        conn.close()
        assert resp.status == 201, f"the printed admin password does not sign in: {resp.status}"

        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        assert code == 0, f"glint serve exited with {code} on SIGTERM:\n{output()}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        reader.join(timeout=5)
        proc.stdout.close()
        log.close()
