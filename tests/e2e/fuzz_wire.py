"""The wire side of the HTTP fuzzer behind test_fuzz.py: a request as bytes,
two ways of sending it, and what came back.

- `Case` is one request: method, request-target, headers and body as bytes,
  so that nothing is normalised on the way (http.client refuses control
  characters and non-ASCII targets), or `raw` bytes sent as they are.
- `KeepAlive` sends cases on one persistent connection and reads the answer
  with http.client's response parser; `send_raw` opens a fresh connection,
  sends the bytes and reads until every request has its answer or the
  server closes (half-closing first when the bytes are not whole requests).
  Both report an `Outcome`: the statuses seen, or a hang (no answer and no
  close within the per-request timeout), or a close without an answer.
- `parse_responses` reads every response in the bytes that came back, with
  http.client's parser; `excerpt` shows bytes in a failure report.
"""

from __future__ import annotations

import http.client
import io
import random
import socket
import time
from dataclasses import dataclass, field

from fuzz_values import as_bytes


def chunked(body: bytes, rng: random.Random) -> bytes:
    """body in chunked framing, cut in chunks of random sizes."""
    out = []
    i = 0
    while i < len(body):
        piece = body[i:i + rng.randrange(1, max(2, len(body) // 3 + 2))]
        out.append(b"%x\r\n%s\r\n" % (len(piece), piece))
        i += len(piece)
    out.append(b"0\r\n\r\n")
    return b"".join(out)


@dataclass
class Case:
    """One request. `headers` are sent in order, as given; Host and
    Content-Length (or the chunked framing) are added when they are not
    among them. A case with `raw` bytes is sent as those bytes instead."""

    kind: str
    method: str | bytes
    target: str | bytes
    headers: list[tuple[str | bytes, str | bytes]] = field(default_factory=list)
    body: bytes = b""
    chunked: bool = False
    raw: bytes | None = None
    # "image" or "server": keep the id that a 2xx answer returns, for later cases.
    collect: str | None = None
    # For raw cases: whether the bytes are whole requests (else the server
    # must wait for more until the connection is half-closed), and the
    # method of each request in them.
    whole: bool = True
    methods: list[str] = field(default_factory=list)
    request_id: str | None = None

    def header_names(self) -> set[bytes]:
        return {as_bytes(k).lower() for k, _ in self.headers}

    def wire(self, host: bytes, rng: random.Random) -> bytes:
        if self.raw is not None:
            return self.raw
        names = self.header_names()
        lines = [as_bytes(self.method) + b" " + as_bytes(self.target) + b" HTTP/1.1"]
        if b"host" not in names:
            lines.append(b"Host: " + host)
        lines += [as_bytes(k) + b": " + as_bytes(v) for k, v in self.headers]
        body = self.body
        if self.chunked:
            if b"transfer-encoding" not in names:
                lines.append(b"Transfer-Encoding: chunked")
            body = chunked(self.body, rng)
        elif b"content-length" not in names and (
            self.body or as_bytes(self.method) in (b"POST", b"PUT", b"PATCH")
        ):
            lines.append(b"Content-Length: %d" % len(self.body))
        return b"\r\n".join(lines) + b"\r\n\r\n" + body

    def method_name(self) -> str:
        if self.raw is not None:
            first = self.raw.split(b" ", 1)[0]
            return first.decode("latin-1")[:16]
        return as_bytes(self.method).decode("latin-1")


def excerpt(data: bytes, limit: int = 1500) -> str:
    if len(data) <= limit:
        return repr(data)
    return f"{data[:limit]!r}... ({len(data)} bytes in all)"


@dataclass
class Outcome:
    statuses: list[int] = field(default_factory=list)
    hang: bool = False
    # The whole request went out and the connection ended without an answer.
    closed: bool = False
    # The server stopped reading (reset or closed) before the request was sent.
    cut: bool = False
    # Bytes came back that are not an HTTP/1.1 response.
    unparsed: bool = False
    # An answer's body ended before its Content-Length or last chunk.
    truncated: bool = False
    elapsed: float = 0.0
    head: str = ""
    body: bytes = b""
    request_id: str | None = None
    note: str = ""

    def answer(self) -> str:
        what = []
        if self.statuses:
            what.append("statuses " + ", ".join(map(str, self.statuses)))
        if self.hang:
            what.append("HANG: no answer and no close")
        if self.closed:
            what.append("closed without an answer")
        if self.cut:
            what.append("the server stopped reading before the request was sent")
        if self.unparsed:
            what.append("unparsed bytes")
        if self.truncated:
            what.append("an answer cut short")
        if self.note:
            what.append(self.note)
        text = f"{'; '.join(what)} after {self.elapsed:.2f} s"
        if self.head:
            text += "\n" + self.head.rstrip()
        if self.body:
            text += "\n" + excerpt(self.body, 800)
        return text


class _Buffer(io.BytesIO):
    """A buffer that HTTPResponse cannot close: several responses share it."""

    def close(self) -> None:
        pass


class _Bytes:
    """Enough of a socket for http.client.HTTPResponse to parse a buffer."""

    def __init__(self, data: bytes):
        self.file = _Buffer(data)

    def makefile(self, *_args, **_kwargs):
        return self.file


def _head_of(resp: http.client.HTTPResponse) -> str:
    lines = [f"HTTP/{resp.version / 10:.1f} {resp.status} {resp.reason}"]
    lines += [f"{k}: {v}" for k, v in resp.getheaders()]
    return "\n".join(lines)


def parse_responses(data: bytes, methods: list[str], out: Outcome) -> bool:
    """Every response in data, into out (the i-th answers a request with the
    i-th method: only HEAD matters); whether data ends where a whole response
    ends."""
    source = _Bytes(data)
    while source.file.tell() < len(data):
        start = source.file.tell()
        n = len(out.statuses)
        method = methods[min(n, len(methods) - 1)] if methods else "GET"
        resp = http.client.HTTPResponse(source, method=method)
        try:
            resp.begin()
        except (http.client.HTTPException, ValueError) as e:
            if start == 0:
                out.unparsed = True
                out.note = f"{type(e).__name__}: {excerpt(data[start:], 300)}"
            return False
        out.statuses.append(resp.status)
        first_five = resp.status >= 500 and not any(s >= 500 for s in out.statuses[:-1])
        if len(out.statuses) == 1 or first_five:
            out.head = _head_of(resp)
            out.request_id = resp.getheader("x-openstack-request-id")
        try:
            body = resp.read()
        except http.client.IncompleteRead as e:
            out.truncated = True
            body = e.partial
            if len(out.statuses) == 1 or first_five:
                out.body = body[:2000]
            return False
        if len(out.statuses) == 1 or first_five:
            out.body = body[:2000]
    return True


# When a raw request that should be whole gets no answer at all for this
# long, it is half-closed, in case the server rightly waits for more.
SILENCE = 0.5


def send_raw(port: int, data: bytes, timeout: float, methods: list[str],
             whole: bool = True) -> Outcome:
    """Sends data (one request per method in `methods`) on a fresh
    connection and reads the answers.

    A request that is not `whole` (cut short, or shorter than its framing
    says) is half-closed at once: the server must then answer or close. A
    whole one is read until every request has its answer or the server
    closed; without all its answers after SILENCE it is half-closed too. A
    hang is no answer and no close within `timeout`."""
    answers = max(1, len(methods))
    out = Outcome()
    started = time.monotonic()
    received = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            out.cut = True
        except socket.timeout:
            out.cut = True
            out.note = "the server read nothing for the whole timeout"
        half_closed = False

        def half_close() -> None:
            nonlocal half_closed
            half_closed = True
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass

        if not whole or out.cut:
            half_close()
        deadline = started + timeout
        while True:
            now = time.monotonic()
            if now >= deadline:
                out.hang = True
                break
            wait = deadline - now
            if not half_closed:
                wait = min(wait, started + SILENCE - now)
                if wait <= 0:
                    half_close()
                    continue
            sock.settimeout(wait)
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                if not half_closed:
                    half_close()
                    continue
                out.hang = True
                break
            except (ConnectionResetError, BrokenPipeError):
                break
            if not chunk:
                break
            received += chunk
            probe = Outcome()
            if parse_responses(bytes(received), methods, probe) and len(probe.statuses) >= answers:
                break
    out.elapsed = time.monotonic() - started
    if received:
        parse_responses(bytes(received), methods, out)
    elif not out.hang and not out.cut:
        out.closed = True
    return out


class KeepAlive:
    """One persistent connection; a stale one is retried once, fresh."""

    def __init__(self, port: int, timeout: float):
        self.port = port
        self.timeout = timeout
        self.sock: socket.socket | None = None

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def exchange(self, data: bytes, method: str) -> Outcome:
        for attempt in range(2):
            fresh = self.sock is None
            out = self._once(data, method)
            # A connection the server had closed while idle fails at once.
            stale = not fresh and (out.closed or out.cut) and not out.statuses
            if stale and attempt == 0 and out.elapsed < 1.0:
                continue
            return out
        return out

    def _once(self, data: bytes, method: str) -> Outcome:
        out = Outcome()
        started = time.monotonic()
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock = self.sock
        deadline = started + self.timeout

        def in_time() -> float:
            """The socket timeout that keeps the whole exchange within the timeout."""
            return max(0.001, deadline - time.monotonic())

        sock.settimeout(in_time())
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            out.cut = True
        except socket.timeout:
            out.cut = True
            out.note = "the server read nothing for the whole timeout"
        resp = http.client.HTTPResponse(sock, method=method)
        try:
            sock.settimeout(in_time())
            resp.begin()
            sock.settimeout(in_time())
            body = resp.read()
        except socket.timeout:
            out.hang = not out.cut
            out.elapsed = time.monotonic() - started
            self.close()
            return out
        except http.client.IncompleteRead as e:
            out.statuses.append(resp.status)
            out.head = _head_of(resp)
            out.body = e.partial[:2000]
            out.request_id = resp.getheader("x-openstack-request-id")
            out.truncated = True
            out.elapsed = time.monotonic() - started
            self.close()
            return out
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
            if not out.cut:
                out.closed = True
            out.note = type(e).__name__
            out.elapsed = time.monotonic() - started
            self.close()
            return out
        except (http.client.HTTPException, ValueError) as e:
            out.unparsed = True
            out.note = f"{type(e).__name__}: {e}"[:300]
            out.elapsed = time.monotonic() - started
            self.close()
            return out
        out.elapsed = time.monotonic() - started
        out.statuses.append(resp.status)
        out.head = _head_of(resp)
        out.body = body[:2000]
        out.request_id = resp.getheader("x-openstack-request-id")
        if out.elapsed > self.timeout:
            out.hang = True  # each read was in time, the whole answer was not
            out.note = "the answer took longer than the timeout"
        if resp.will_close or out.cut:
            self.close()
        return out
