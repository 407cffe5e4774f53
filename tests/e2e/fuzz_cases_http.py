"""`HttpCases`, the kinds of `Cases` (fuzz_cases.py) that fuzz the parts of
well-formed HTTP requests: Control Panel form posts (with and without their
CSRF value, odd encodings, odd `next`), query strings (list filters and
operators, markers, limits, sort keys and directions, panel pages and their
flash cookie), headers (Content-Type, Accept, X-Auth-Token, X-Subject-Token,
Range, request ids, image sizes, cookies, Expect, Host, Connection) and
paths (unicode, percent-encoding, dot segments, very long segments, unknown
versions, regions and methods).
"""

from __future__ import annotations

import json

from fuzz_targets import (
    DISK_FORMATS, MANAGER, MEMBER, PRODUCER, READER, REGION, V20, V21, disk_bytes, images,
)
from fuzz_values import random_uuid, urlencode
from fuzz_wire import Case


class HttpCases:
    """Forms, queries, headers and paths.

    A mixin: it draws on the state and the shared choices of `Cases`
    (`self.t`, `self.rng`, `self.mut`, `self.worker`, `self.n`, the id pools,
    `pick`, `auth`, `region`, `image_id`, `member_id`, `json_headers`)."""

    # -- Control Panel forms

    def form_body(self, fields: dict[str, str], csrf: str) -> bytes:
        r = self.rng.random()
        if r < 0.85:
            fields = dict(fields, csrf=csrf)
        elif r < 0.92:
            fields = dict(fields, csrf=self.mut.vary(csrf))
        for key in list(fields):
            if self.rng.random() < 0.2:
                fields[key] = self.mut.vary(fields[key])
        pairs = list(fields.items())
        if self.rng.random() < 0.1 and pairs:
            pairs.append(self.pick(*pairs))
        mode = self.rng.random()
        if mode < 0.75:
            data = urlencode(pairs).encode()
        elif mode < 0.9:
            data = "&".join(f"{k}={v}" for k, v in pairs).encode("utf-8", "surrogatepass")
        else:
            data = self.mut.query(pairs).encode("utf-8", "surrogatepass")
        if self.rng.random() < 0.03:
            data += b"&pad=" + b"x" * self.pick(300_000, 100_000)
        return data

    def gen_form(self) -> Case:
        user = PRODUCER if self.rng.random() < 0.6 else MANAGER
        session, csrf = self.t.panel[user]
        cookie = f"glint_session={session}; glint_csrf={csrf}"
        r = self.rng.random()
        if r < 0.05:
            cookie = self.pick("", f"glint_csrf={csrf}", f"glint_session=x; glint_csrf={csrf}",
                               f"glint_session={session}", cookie + "; glint_flash=ok.zz",
                               f"glint_csrf={csrf}; glint_csrf=other; glint_session={session}")
        region = self.region()
        nxt = self.pick("/images", "/servers", "//evil.example", "https://evil.example/",
                        "/\\evil", "javascript:alert(1)", "/images?region=DFW", "", "\r\nX: y",
                        self.mut.string())
        ids = self.t.ids
        which = self.rng.randrange(11)
        if which == 0:
            path, fields = "/images", {"name": f"panel-{self.n}", "region": region,
                                       "disk_format": self.pick(*DISK_FORMATS)}
        elif which == 1:
            path = f"/images/{region}/{self.image_id()}/share"
            fields = {"account": self.pick(self.t.consumer, self.t.producer, "fuzzcons", "x"),
                      "next": nxt}
        elif which == 2:
            path, fields = f"/images/{region}/{self.image_id()}/shareable", {"next": nxt}
        elif which == 3:
            target = self.image_id(deletable=True)
            path, fields = f"/images/{region}/{target}/delete", {"next": nxt}
        elif which == 4:
            target = self.image_id(deletable=True)
            path = f"/images/{region}/{target}/consumers/{self.member_id()}/remove"
            fields = {}
        elif which in (5, 6):
            decision = self.pick("accept", "reject", "remove", "accept", "maybe", "")
            target = self.pick(ids["A"], ids["B"], self.image_id())
            path, fields = f"/shares/{region}/{target}/{decision}", {"next": nxt}
        elif which == 7:
            path, fields = "/servers", {"name": f"ps-{self.n}", "region": region,
                                        "image": self.pick(ids["A"], ids["E"], self.image_id()),
                                        "flavor": self.pick(self.t.flavor, "x", "")}
        elif which == 8:
            server = self.pick(*(self.pool_servers or [random_uuid(self.rng)]))
            path, fields = f"/servers/{region}/{server}/delete", {"next": nxt}
        elif which == 9:
            path = "/sign-in"
            fields = {"username": self.pick(PRODUCER, "nobody", ""),
                      "password": self.mut.string(),
                      "account": self.pick("fuzzprod", "7300001", "")}
            cookie = f"glint_csrf={csrf}"
        else:
            path, fields = "/sign-out", {}
            cookie = f"glint_session=not-a-session; glint_csrf={csrf}"
        headers: list[tuple[str, str | bytes]] = [("Cookie", cookie)]
        ctype = "application/x-www-form-urlencoded"
        if self.rng.random() < 0.08:
            ctype = self.pick("", "text/plain", "application/json", ctype + "; charset=utf-16",
                              "application/x-www-form-urlencodedX")
        headers.append(("Content-Type", ctype))
        if self.rng.random() < 0.4:
            headers.append(("X-Panel-Async", "1"))
        if self.rng.random() < 0.1:
            headers.append(("X-Csrf-Token", self.pick(csrf, self.mut.vary(csrf))))
        return Case("form", "POST", path, headers, self.form_body(fields, csrf),
                    collect="image" if which == 0 else None)

    # -- queries

    def query_pairs(self) -> list[tuple[str, str]]:
        ids = self.t.ids
        vocab = {
            "limit": ["1", "0", "5", "25", "1000", "-1", "+3", " 2 ", "abc", "1.5", "",
                      "99999999999999999999999", "-0", "0x10"],
            "marker": [ids["A"], ids["B"], ids["C"], ids["E"], "", "x", random_uuid(self.rng)],
            "sort_key": ["name", "created_at", "updated_at", "size", "id", "status",
                         "disk_format", "min_ram", "owner", "bogus", "", "name,created_at",
                         "hw_disk_bus", "virtual_size", "visibility"],
            "sort_dir": ["asc", "desc", "up", "", "ASC"],
            "sort": ["name:asc,created_at:desc", "name", "name:", ":asc", "a:b:c", "size:desc,,",
                     "created_at:asc,name", "bogus:asc", ""],
            "member_status": ["accepted", "pending", "rejected", "all", "", "bogus"],
            "visibility": ["public", "private", "shared", "community", "all", "", "bogus"],
            "tag": ["a", "golden", "", "é", "x" * 300],
            "name": ["fuzz-shared", "in:fuzz-shared,fuzz-queued", 'in:"a,b"', "", "eq:x"],
            "status": ["active", "queued", "in:active,queued", "deactivated", "bogus", "in:"],
            "owner": [self.t.producer, self.t.consumer, "", "x"],
            "size_min": ["0", "1", "-1", "x", "18446744073709551616", "9223372036854775808"],
            "size_max": ["0", "65536", "-5", "1e3", "9223372036854775807"],
            "min_ram": ["512", "gt:100", "lt:x"], "min_disk": ["0", "neq:1"],
            "container_format": ["bare", "in:bare,ovf", "neq:bare", "eq:", "in:"],
            "disk_format": ["raw", "in:raw,qcow2", "gt:raw", "in:\"raw", "in:raw,,"],
            "created_at": ["gt:2026-01-01T00:00:00Z", "lte:2099-01-01T00:00:00Z", "gt:tomorrow",
                           "in:2026-01-01", "2026-01-01T00:00:00Z", "eq:",
                           "gt:9999-12-31T23:59:59Z",
                           "gt:0000-01-01T00:00:00Z", "neq:2026-01-01T00:00:00+25:00"],
            "updated_at": ["lt:2026-01-01T00:00:00.123456Z", "gte:2026-02-30T00:00:00Z"],
            "changes-since": ["2026-01-01"], "deleted": ["true", "false"],
            "os_hidden": ["true", "false", "TRUE", "1", "x"], "protected": ["true", "no", "x"],
            "hw_disk_bus": ["virtio", "in:virtio,scsi"], "id": [ids["A"], "in:" + ids["A"]],
            "checksum": ["x"], "os_hash_value": ["x"], "virtual_size": ["gt:0"],
        }
        pairs = []
        for _ in range(self.rng.randrange(1, 6)):
            key = self.pick(*vocab) if self.rng.random() < 0.93 else self.mut.string()
            values = vocab.get(key, ["x"])
            value = self.pick(*values)
            if self.rng.random() < 0.2:
                value = self.mut.vary(value)
            pairs.append((key, value))
        return pairs

    def gen_query(self) -> Case:
        q = self.mut.query(self.query_pairs())
        r = self.rng.random()
        if r < 0.7:
            return Case("query", "GET", images(f"?{q}", self.region()),
                        self.auth(self.pick(PRODUCER, MANAGER, MEMBER, READER, "admin")))
        if r < 0.75:
            return Case("query", "GET", images(f"/{self.image_id()}/members?{q}"),
                        self.auth(PRODUCER))
        if r < 0.87:
            session, csrf = self.t.panel[self.pick(PRODUCER, MANAGER)]
            page = self.pick("/images", "/servers", "/servers/new", "/sign-in",
                             f"/images/{self.region()}/{self.image_id()}", "/")
            pairs = [("region", self.pick("DFW", "all", "", "XXX", "é")),
                     ("expired", "1"), ("signed_out", "1"), ("image", self.t.ids["A"])]
            pairs = self.rng.sample(pairs, self.rng.randrange(1, 4)) + self.query_pairs()[:1]
            cookie = f"glint_session={session}; glint_csrf={csrf}"
            if self.rng.random() < 0.15:
                cookie += "; glint_flash=" + self.pick("ok.", "ok.zz", "ok.4", "err.41", "ok.ff",
                                                       "ok.c328", ".", "ok", "ok." + "41" * 5000)
            return Case("query", "GET", f"{page}?{self.mut.query(pairs)}",
                        [("Cookie", cookie)])
        if r < 0.95:
            path = self.pick("servers", "servers/detail", "flavors", "flavors/detail")
            return Case("query", "GET", f"/compute/{self.region()}/v2.1/{path}?{q}",
                        self.auth(MANAGER))
        return Case("query", "GET", f"/identity/v3/auth/tokens?{q}",
                    self.auth(PRODUCER) + [("X-Subject-Token", self.t.tokens[MANAGER])])

    # -- headers

    def header_mutation(self, headers: list) -> list:
        token = self.t.tokens[PRODUCER]
        r = self.rng.randrange(13)
        if r == 0:
            headers = [h for h in headers if h[0] != "X-Auth-Token"]
            headers.append(("X-Auth-Token", self.pick(
                token + "x", token[:-1], token.upper(), "", " " + token + " ", "x" * 10000,
                b"\xff\xfe" + token.encode(), "null", self.t.victims[0], token + "," + token)))
            if self.rng.random() < 0.3:
                headers.append(("X-Auth-Token", self.pick(token, "bogus")))
        elif r == 1:
            headers.append(("Accept", self.pick(
                "application/json", "text/html", "*/*", "text/plain", "application/xml",
                "application/json;q=0", "text/html;q=0.9, application/json;q=0.8", "",
                "*/*;q=abc", ",".join(["text/x-%d" % i for i in range(300)]), "\xff",
                "application/json;q=1.5", "image/*", "application/*;q=0.1, text/*")))
        elif r == 2:
            headers = [h for h in headers if h[0] != "Content-Type"]
            headers.append(("Content-Type", self.pick(
                "application/json", V21, V20, "application/octet-stream", "", "text/plain",
                "application/json; charset=utf-8; charset=latin-1", "application/json\t",
                "multipart/form-data", "application/x-www-form-urlencoded", "a/b/c", ";",
                "application/json" + " " * 5000)))
            if self.rng.random() < 0.2:
                headers.append(("Content-Type", "text/plain"))
        elif r == 3:
            headers.append(("Range", self.pick(
                "bytes=0-15", "bytes=-5", "bytes=5-", "bytes=10-5", "bytes=0-0", "bytes=-0",
                "bytes=99999999-", "bytes=0-18446744073709551615", "bytes=18446744073709551615-",
                "bytes=-18446744073709551615", "bytes=-18446744073709551616", "bytes=0-1,2-3",
                "bytes=", "bytes=a-b", "items=0-1", "bytes = 0-1", "bytes=--1", "bytes=65535-",
                "bytes=65536-", "bytes=65535-65535", "bytes=-65536", "bytes=-65537",
                "bytes=0-65536", "bytes=1-0", "bytes=4096-4095", "bytes=+1-2", "bytes= 1 - 2 ")))
        elif r == 4:
            headers.append(("X-Openstack-Request-Id", self.pick(
                "", "x" * 64, "x" * 65, "req-" + random_uuid(self.rng), "é", b"\xff\xfe",
                "a b", "x" * 8000)))
        elif r == 5:
            headers.append(("X-Openstack-Image-Size", self.pick(
                "-1", "abc", "18446744073709551616", "0", "1", "65536", " 5 ", "1e3")))
        elif r == 6:
            headers.append(("Cookie", self.pick(
                "glint_session=", "glint_session=" + token, "=", ";;;;", "a" * 8000,
                "glint_flash=ok.zz", "glint_flash=ok." + "e9" * 10, "glint_csrf=\xe9",
                "; ".join(f"c{i}=v" for i in range(500)))))
        elif r == 7:
            headers.append(("Expect", self.pick("100-continue", "bogus", "")))
        elif r == 8:
            headers.append(("Host", self.pick("", "x" * 5000, "évil", "127.0.0.1:1",
                                              "a b", "[::1]", "example.com:99999")))
        elif r == 9:
            headers.append(("X-Subject-Token", self.pick(token, "", "x" * 3000)))
        elif r == 10:
            headers.append(("Connection", self.pick("close", "keep-alive", "upgrade", "x")))
            if self.rng.random() < 0.5:
                headers.append(("Upgrade", self.pick("h2c", "websocket", "x")))
        elif r == 11:
            headers.append((self.pick("X-Forwarded-For", "Forwarded", "X-Panel-Async",
                                      "X-Csrf-Token", "Accept-Encoding", "If-None-Match",
                                      "If-Modified-Since", "Content-Encoding", "Te",
                                      "Origin", "Referer", "Authorization"),
                            self.mut.string().encode("utf-8", "surrogatepass")))
        else:
            name = self.pick("x-" + "a" * 300, "X-É", "X-Auth-Token", "x-image-meta-name")
            headers.append((name,
                            self.pick("1", "", "x" * 70000)))
        return headers

    def gen_header(self) -> Case:
        ids = self.t.ids
        session, csrf = self.t.panel[PRODUCER]
        which = self.rng.randrange(10)
        body = b""
        method = "GET"
        if which == 0:
            path = images("?limit=3")
        elif which == 1:
            path = images(f"/{self.image_id()}")
        elif which in (2, 3):
            path = images(f"/{self.pick(ids['A'], ids['A'], ids['D'], ids['E'], ids['B'])}/file")
        elif which == 4:
            path = images(f"/{ids['A']}/members")
        elif which == 5:
            path = "/identity/v3/auth/tokens"
        elif which == 6:
            path = self.pick("/images", f"/images/DFW/{ids['A']}", "/servers")
        elif which == 7:
            method, path = "POST", images()
            body = json.dumps({"name": f"hdr-{self.n}", "disk_format": "raw",
                               "container_format": "bare"}).encode()
        elif which == 8:
            method, path = "PATCH", images(f"/{self.pick(ids['A'], ids['B'])}")
            body = json.dumps([{"op": "replace", "path": "/min_ram", "value": 0}]).encode()
        else:
            method = self.pick("PUT", "GET")
            path = images(f"/{self.image_id(deletable=True)}/file")
            body = disk_bytes(self.rng) if method == "PUT" else b""
        headers: list = self.auth(self.pick(PRODUCER, MANAGER))
        if which == 5:
            headers.append(("X-Subject-Token", self.t.tokens[MANAGER]))
        if which == 6:
            headers.append(("Cookie", f"glint_session={session}; glint_csrf={csrf}"))
        if which in (7, 8):
            headers.append(("Content-Type", "application/json" if which == 7 else V21))
        if which == 9 and method == "PUT":
            headers.append(("Content-Type", "application/octet-stream"))
        for _ in range(self.rng.randrange(1, 4)):
            headers = self.header_mutation(headers)
        return Case("header", method, path, headers, body,
                    collect="image" if which == 7 else None)

    # -- paths

    def gen_path(self) -> Case:
        ids = self.t.ids
        a = self.pick(ids["A"], ids["B"], ids["E"])
        templates = [
            ["image", REGION, "v2", "images", a],
            ["image", REGION, "v2", "images", a, "members", self.t.consumer],
            ["image", REGION, "v2", "images", a, "file"],
            ["image", REGION, "v2", "images", a, "tags", "golden"],
            ["image", REGION, "v2", "images", a, "glint-inspection"],
            ["image", REGION, "v2", "images", a, "actions", "deactivate"],
            ["image", REGION, "v2", "schemas", "image"],
            ["image", REGION, "v2", "schemas", "metadefs", "image"],
            ["image", REGION, "v2.1", "images"],
            ["image", REGION, "versions"],
            ["identity", "v3", "projects", self.t.producer],
            ["compute", REGION, "v2.1", "servers", self.t.server],
            ["compute", REGION, "v2.1", "flavors", self.t.flavor],
            ["images", REGION, a],
            ["shares", REGION, a, "accept"],
            ["static", self.pick("panel.css", "app.js", "x")],
        ]
        segments = list(self.pick(*templates))
        for _ in range(self.rng.randrange(1, 3)):
            i = self.rng.randrange(len(segments))
            segments[i] = self.mut.segment(segments[i])
        path = "/" + "/".join(segments)
        r = self.rng.random()
        if r < 0.1:
            path = path.replace("/", self.pick("//", "/./", "/%2F", "\\"), 1)
        elif r < 0.15:
            path += self.pick("/", "//", "/..", "?", "#x", "%", "/%00")
        elif r < 0.18:
            path = self.pick("*", "http://127.0.0.1/identity/v3", "//identity/v3",
                             "identity/v3", "/" + "é" * 3000)
        method = self.pick("GET", "GET", "GET", "HEAD", "DELETE", "PUT", "POST", "PATCH",
                           "OPTIONS", "TRACE", "get", "FOO", "M" * 300)
        if method == "DELETE" and (ids["A"] in path or ids["B"] in path or ids["E"] in path):
            method = "GET"  # the fixture images stay
        headers = self.auth(self.pick(PRODUCER, MANAGER, "admin"))
        if path.startswith(("/images", "/shares")):
            session, csrf = self.t.panel[PRODUCER]
            headers.append(("Cookie", f"glint_session={session}; glint_csrf={csrf}"))
        if self.rng.random() < 0.5:
            headers.append(("Accept", self.pick("application/json", "text/html", "*/*")))
        return Case("path", method, path, headers)
