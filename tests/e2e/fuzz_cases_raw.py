"""`RawCases`, the kinds of `Cases` (fuzz_cases.py) below the request
structure: image data (uploads and staging of data that starts like qcow2,
VMDK, VHD(X), VDI, ISO, MBR or GPT with random headers, imports, ranged
downloads, deactivation and inspection), and raw malformed requests, sent
on fresh sockets: bad request lines, bad header syntax, truncated heads and
bodies, wrong or conflicting Content-Length and Transfer-Encoding, bad
chunked encoding, Expect without a body, huge headers, pipelining, bare
line feeds, other protocols (TLS, HTTP/2, SSH).
"""

from __future__ import annotations

import re

from fuzz_targets import MANAGER, MEMBER, PRODUCER, disk_bytes, images
from fuzz_wire import Case


class RawCases:
    """Image data, and raw, malformed requests.

    A mixin: it draws on the state and the shared choices of `Cases`
    (`self.t`, `self.rng`, `self.mut`, `self.worker`, `self.n`, the id pools,
    `pick`, `auth`, `region`, `image_id`, `member_id`, `json_headers`)."""

    # -- image data

    def gen_data(self) -> Case:
        ids = self.t.ids
        r = self.rng.random()
        if r < 0.4:
            target = self.image_id(deletable=True) if self.rng.random() < 0.85 else ids["B"]
            headers = self.auth(PRODUCER) + [("Content-Type", self.pick(
                "application/octet-stream", "application/octet-stream", "text/plain", "",
                "application/octet-stream; x=y"))]
            data = disk_bytes(self.rng)
            if self.rng.random() < 0.15:
                headers.append(("X-Openstack-Image-Size", self.pick(
                    str(len(data)), str(len(data) + 1), "0", "-1", "x", "18446744073709551615")))
            return Case("data", "PUT", images(f"/{target}/file"), headers, data,
                        chunked=self.rng.random() < 0.3)
        if r < 0.55:
            target = self.image_id(deletable=True)
            return Case("data", "PUT", images(f"/{target}/stage"),
                        self.auth(PRODUCER) + [("Content-Type", "application/octet-stream")],
                        disk_bytes(self.rng), chunked=self.rng.random() < 0.3)
        if r < 0.7:
            seed = {"method": {"name": self.pick("glance-direct", "web-download", "copy-image"),
                               "uri": "http://127.0.0.1:1/x"},
                    "stores": ["local"], "all_stores": False, "all_stores_must_succeed": True}
            return Case("data", "POST", images(f"/{self.image_id(deletable=True)}/import"),
                        self.auth(PRODUCER) + self.json_headers(), self.mut.body(seed))
        if r < 0.9:
            target = self.pick(ids["A"], ids["A"], ids["D"], ids["E"], ids["B"], self.image_id())
            headers = self.auth(self.pick(PRODUCER, MANAGER, MEMBER, "admin"))
            if self.rng.random() < 0.7:
                headers.append(("Range", self.pick(
                    "bytes=0-15", "bytes=-5", "bytes=5-", "bytes=65535-", "bytes=65536-",
                    "bytes=0-65535", "bytes=0-65536", "bytes=-65536", "bytes=-65537",
                    "bytes=-0", "bytes=0-0", "bytes=70000-80000", "bytes=4095-",
                    f"bytes={self.rng.randrange(0, 70000)}-{self.rng.randrange(0, 70000)}",
                    "bytes=18446744073709551615-18446744073709551615", "bytes=0-1,5-6")))
            return Case("data", self.pick("GET", "GET", "HEAD"), images(f"/{target}/file"),
                        headers)
        target = self.pick(ids["D"], ids["E"], self.image_id(deletable=True))
        action = self.pick("actions/deactivate", "actions/reactivate", "glint-inspection")
        method = "GET" if action == "glint-inspection" else "POST"
        return Case("data", method, images(f"/{target}/{action}"),
                    self.auth(self.pick("admin", PRODUCER, MANAGER)))

    # -- raw, malformed requests

    def structured(self) -> Case:
        kind = self.pick("create", "patch_v21", "patch_v20", "member", "token", "form", "data",
                         "compute", "header")
        case = getattr(self, "gen_" + kind)()
        case.request_id = f"fz{self.worker}-{self.n}-{self.rng.randrange(1000)}"
        case.headers.append(("X-Openstack-Request-Id", case.request_id))
        return case

    def gen_raw(self) -> Case:
        base = self.structured()
        self.raw_id = base.request_id
        self.raw_method = base.method_name()
        wire = base.wire(self.t.host, self.rng)
        head, _, body = wire.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        whole = True
        r = self.rng.randrange(14)
        if r == 0:  # the request line
            lines[0] = self.pick(
                b"GET", b"GET /", b"GET / HTTP/1.1 x", b"GET  /  HTTP/1.1", b"GET / HTTP/9.9",
                b"GET / HTTP/1.1\x00", b"GET / HTTP/0.9", b"GET / http/1.1", b"GET\t/\tHTTP/1.1",
                b" " + lines[0], lines[0] + b" ", lines[0].replace(b" ", b"  ", 1),
                lines[0].replace(b"HTTP/1.1", b"HTTP/1.0"),
                lines[0].replace(b"HTTP/1.1", b"HTTP/2"),
                lines[0].replace(b"HTTP/1.1", b"HTTP/1.10"), b"\x16\x03\x01\x02\x00\x01",
                b"G" * 70000 + b" / HTTP/1.1", lines[0].lower(),
                lines[0].replace(b" /", b" /" + b"a" * 70000, 1),
                lines[0].replace(b" /", b" /\x01", 1), lines[0].replace(b" /", b" /\x7f\xff", 1),
                lines[0].replace(b" /", b" http://127.0.0.1:1/", 1),
                b"CONNECT 127.0.0.1:1 HTTP/1.1", b"OPTIONS * HTTP/1.1", b"PRI * HTTP/2.0")
        elif r == 1:  # header syntax
            bad = self.pick(b"Host x", b" folded: x", b"Name : v", b"X: a\r\n b", b": v",
                            b"\x80\xff: v", b"X\x00Y: 1", b"X: \x00", b"X: a\rb", b"X-Y",
                            b"Content-Length", b"::::", b"\t: x", b"X-A: " + b"\xff" * 50)
            lines.insert(self.rng.randrange(1, len(lines) + 1), bad)
        elif r == 2:  # truncated: the connection half-closes in the middle
            return Case("raw", "", "", raw=wire[: self.rng.randrange(1, max(2, len(wire)))],
                        whole=False)
        elif r == 3:  # a Content-Length that lies or breaks the rules
            lines = [ln for ln in lines if not ln.lower().startswith(b"content-length")]
            n = len(body)
            length = self.pick(
                b"%d" % (n + 1), b"%d" % (n + 1000), b"%d" % max(0, n - 1), b"0", b"-1", b"+5",
                b"%d, %d" % (n, n), b"%d, %d" % (n, n + 1), b"0x10", b"99999999999999999999",
                b"18446744073709551615", b"", b" %d" % n, b"%d " % n, b"1e3", b"\xff")
            lines.append(b"Content-Length: " + length)
            whole = not (length.isdigit() and int(length) > n)
            if self.rng.random() < 0.3:
                lines.append(b"Content-Length: %d" % (n + self.pick(0, 1)))
        elif r == 4:  # chunked encoding gone wrong
            lines = [ln for ln in lines if not ln.lower().startswith(b"content-length")]
            lines.append(b"Transfer-Encoding: chunked")
            body, whole = self.bad_chunks(body)
        elif r == 5:  # Transfer-Encoding oddities and conflicts
            te = self.pick(b"chunked", b"gzip, chunked", b"chunked, gzip", b"gzip", b"identity",
                           b"xchunked", b"chunked, chunked", b" chunked", b"CHUNKED",
                           b"chunked\x00")
            lines.append(b"Transfer-Encoding: " + te)
            if self.rng.random() < 0.3:
                body, whole = self.bad_chunks(body)
            elif self.rng.random() < 0.7:
                body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        elif r == 6:  # huge headers
            big = self.pick(8_000, 65_536, 120_000, 420_000)
            which = self.rng.randrange(4)
            if which == 0:
                lines.append(b"X-Big: " + b"a" * big)
            elif which == 1:
                lines += [b"X-Many-%d: v" % i for i in range(self.pick(100, 101, 200, 5000))]
            elif which == 2:
                lines.append(b"Cookie: " + b"; ".join(b"c%d=v" % i for i in range(big // 6)))
            else:
                lines.append(b"X-Auth-Token: " + b"t" * big)
        elif r == 7:  # pipelining
            extra = [(c.method_name(), c.wire(self.t.host, self.rng))
                     for c in (self.structured() for _ in range(self.rng.randrange(1, 4)))]
            return Case("raw", "", "", raw=wire + b"".join(w for _, w in extra),
                        methods=[base.method_name()] + [m for m, _ in extra])
        elif r == 8:  # line endings
            sep = self.pick(b"\n", b"\r", b"\r\r\n", b"\n\r")
            return Case("raw", "", "", raw=head.replace(b"\r\n", sep) + sep + sep + body,
                        whole=sep != b"\r")
        elif r == 9:  # Expect: 100-continue, then no body
            lines.append(b"Expect: 100-continue")
            whole = not re.search(rb"(?i)content-length: *[1-9]|transfer-encoding", head)
            body = b""
        elif r == 10:  # garbage and other protocols
            return Case("raw", "", "", raw=self.pick(
                self.rng.randbytes(self.rng.randrange(1, 4096)),
                b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + self.rng.randbytes(64),
                b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + self.rng.randbytes(200),
                b"\r\n" * 5000, b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 20000,
                b"SSH-2.0-OpenSSH_9.6\r\n", b"\x00" * 1000), whole=False)
        elif r == 11:  # path ids with control characters
            target = lines[0].split(b" ")
            if len(target) >= 2:
                ctl = bytes([self.pick(*range(0, 32), 127)])
                cut = self.rng.randrange(len(target[1]) + 1)
                target[1] = target[1][:cut] + ctl + target[1][cut:]
                lines[0] = b" ".join(target)
        elif r == 12:  # HTTP/1.0 and no Host
            lines[0] = lines[0].replace(b"HTTP/1.1", b"HTTP/1.0")
            lines = [ln for ln in lines if not ln.lower().startswith(b"host:")]
        else:  # body bytes beyond the declared length
            body += self.pick(b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\n\r\n", b"\x00" * 100,
                              b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n")
        return Case("raw", "", "", raw=b"\r\n".join(lines) + b"\r\n\r\n" + body, whole=whole)

    def bad_chunks(self, body: bytes) -> tuple[bytes, bool]:
        """A chunked body gone wrong, and whether it is whole (if not, a
        server that reads it must wait for more)."""
        n = len(body)
        return self.pick(
            (b"zz\r\n" + body + b"\r\n0\r\n\r\n", True),
            (b"%x\r\n%s\r\n" % (n + 5, body), False),
            (b"%x\r\n%s\r\n" % (n, body), False),
            (b"%x\r\n%s0\r\n\r\n" % (n, body), True),
            (b"ffffffffffffffffff\r\n" + body + b"\r\n0\r\n\r\n", True),
            (b"7fffffffffffffff\r\n" + body, False),
            (b"-1\r\n" + body + b"\r\n0\r\n\r\n", True),
            (b"%x;;;=\"\r\n%s\r\n0\r\n\r\n" % (n, body), True),
            (b"%x\n%s\n0\n\n" % (n, body), True),
            (b"%x\r\n%s\r\n0\r\nX-Trailer: \xff\r\nbad trailer\r\n\r\n" % (n, body), True),
            (b"%x \r\n%s\r\n0\r\n\r\n" % (n, body), True),
            (b"0x%x\r\n%s\r\n0\r\n\r\n" % (n, body), True),
            (b"%x\r\n%s\r\n0\r\n" % (n, body), False),
            (b"".join(b"1\r\n%s\r\n" % body[i:i + 1] for i in range(min(n, 3000)))
             + b"0\r\n\r\n", True),
            (b"%x\r\n%s\r\n%x\r\n" % (n, body, 1 << 40), False),
        )
