"""The values of the HTTP fuzzer behind test_fuzz.py, and `Mutator`, which
turns values into near misses.

- The pools it draws from: boundary strings and numbers, lengths of long
  strings, odd bytes, bodies that are not JSON (or barely), and keys.
- Percent-encoding that keeps lone surrogates (`quote`, `quote_plus`,
  `urlencode`), `as_bytes` and `random_uuid`.
- `Mutator`: JSON documents mutated as trees (values swapped for boundary
  numbers, odd strings, wrong types, deep nesting, dropped and extra keys)
  and as bytes (truncation, stray bytes, invalid UTF-8, duplicate keys,
  non-JSON numbers), strings, path segments and query strings in odd
  encodings.

Everything random comes from a `random.Random` the caller seeds, so a seed
makes the same choices again (what differs from run to run is what the
server hands out, such as image ids, and which thread gets how far).
"""

from __future__ import annotations

import json
import random
import re
import urllib.parse
import uuid
from typing import Any


def quote(s: str, safe: str = "") -> str:
    """Percent-encoding of s as UTF-8, lone surrogates included."""
    return urllib.parse.quote(s.encode("utf-8", "surrogatepass"), safe=safe)


def quote_plus(s: str) -> str:
    return urllib.parse.quote_plus(s.encode("utf-8", "surrogatepass"))  # noqa


def urlencode(pairs) -> str:
    return "&".join(f"{quote_plus(str(k))}={quote_plus(str(v))}" for k, v in pairs)


def as_bytes(v: str | bytes) -> bytes:
    return v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass")


def random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


STRINGS = [
    "", " ", "\t", "\n", "a", "A" * 255, "x" * 256, "é", "ñandú", "日本語", "😀",
    "\u202eevil", "\ufeffbom", "\u2028line", "\u0000", "nul\u0000inside", "\u007f",
    "\\", '"', "'", "' OR '1'='1", "\"; DROP TABLE images; --", "%00", "%", "%zz",
    "%2e%2e%2f", "../../etc/passwd", "/", "//", "<script>alert(1)</script>",
    "${jndi:ldap://x/a}", "{{7*7}}", "NaN", "null", "true", "0", "-1", "1e309",
    "0x10", "2026-01-01T00:00:00Z", "2026-13-45T25:61:61Z", "9999-12-31T23:59:59Z",
    "0000-00-00T00:00:00Z", "in:a,b", 'in:"a,b",c', 'in:"a', "gt:", "eq:", "neq:x",
    "lt:2026-01-01T00:00:00Z", "gte:tomorrow", "gt:1", "DFW", "dfw", "IAD", "LON",
    "XXX", "public", "private", "shared", "community", "all", "accepted", "rejected",
    "pending", "active", "queued", "deactivated", "killed", "deleted", "raw", "qcow2",
    "bare", "ovf", "password", "token", "Default", "default", "admin", "member",
    "reader", "manager", "\udcff", "\ud800", "a\udfffb",
]

NUMBERS = [
    0, 1, -1, 2, 7, 255, 256, 1023, 1024, 65535, 65536, 2**31 - 1, 2**31, -2**31,
    2**32, 2**53 + 1, 2**63 - 1, 2**63, -2**63, -2**63 - 1, 2**64 - 1, 2**64,
    10**30, -10**30, 0.5, -0.0, 1.5e300, -1e308, 1e-320, float("inf"), float("nan"),
]

# Lengths of long strings: around the limits that databases, headers and
# parsers tend to have.
LONG_LENGTHS = [255, 256, 1024, 4096, 65535, 65536, 300_000]

ODD_BYTES = [
    b"\x00", b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80", b"\xe2\x82", b"\r", b"\n", b"\r\n", b"\x1b[31m", b"\x7f",
    b"\xef\xbb\xbf", b",", b":", b"{", b"}", b"[", b"]", b'"', b"\\", b"\\u", b"\\ud800",
]

NON_JSON = [
    b"", b" ", b"null", b"[]", b"{}", b'"x"', b"1", b"true", b"[[]]", b"{}{}",
    b"a=b&c=d", b"<xml/>", b"\xef\xbb\xbf{}", b"NaN", b"Infinity", b"-", b"{\"a\":}",
    b'{"a":1,}', b"[1,]", b"{'a': 1}", b"\x00" * 16, b"[" * 10000 + b"]" * 10000,
    b'{"a":' * 5000 + b"1" + b"}" * 5000, b"1e99999", b'"\\ud800"', b"\xff\xfe{\x00}\x00",
]

KEYS = [
    "name", "id", "visibility", "protected", "os_hidden", "tags", "min_ram", "min_disk",
    "disk_format", "container_format", "owner", "status", "size", "virtual_size",
    "checksum", "os_hash_algo", "os_hash_value", "created_at", "updated_at", "locations",
    "direct_url", "self", "file", "schema", "stores", "member", "member_id", "image_id",
    "auth", "identity", "methods", "password", "user", "domain", "scope", "project",
    "server", "imageRef", "flavorRef", "networks", "rebuild", "createImage", "metadata",
    "method", "all_stores", "hw_disk_bus", "os_distro", "kernel_id", "ramdisk_id",
    "os_glance_importing_to_stores", "owner_specified.openstack.md5", "", " ", "é",
    "a" * 256, "x:y", "a/b", "~", "__proto__", "constructor",
]


class Mutator:
    """Seeded mutations of JSON values, bytes, strings and query strings."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    # -- atoms

    def long_string(self) -> str:
        n = self.rng.choice(LONG_LENGTHS)
        return self.rng.choice(["x", "é", "😀", "%", "\u0000", "ab"]) * (n // 2 or 1)

    def string(self) -> str:
        r = self.rng.random()
        if r < 0.70:
            return self.rng.choice(STRINGS)
        if r < 0.80:
            return self.long_string()
        if r < 0.90:
            return str(self.number())
        n = self.rng.randrange(1, 40)
        return "".join(chr(self.rng.randrange(1, 0x2FFF)) for _ in range(n))

    def number(self) -> Any:
        if self.rng.random() < 0.8:
            return self.rng.choice(NUMBERS)
        return self.rng.randrange(-(2**70), 2**70)

    def value(self, depth: int = 0) -> Any:
        r = self.rng.random()
        if r < 0.35:
            return self.string()
        if r < 0.60:
            return self.number()
        if r < 0.70:
            return self.rng.choice([True, False, None])
        if r < 0.78 or depth > 2:
            return self.rng.choice([[], {}, [None], {"": None}])
        if r < 0.88:
            return [self.value(depth + 1) for _ in range(self.rng.randrange(1, 4))]
        if r < 0.96:
            return {self.rng.choice(KEYS): self.value(depth + 1)
                    for _ in range(self.rng.randrange(1, 4))}
        return self.nested()

    def nested(self) -> Any:
        v: Any = self.rng.choice([1, "x", None, {}])
        for _ in range(self.rng.randrange(20, 150)):
            v = [v] if self.rng.random() < 0.5 else {"a": v}
        return v

    def vary(self, s: str) -> str:
        """A near miss of the string s."""
        r = self.rng.randrange(12)
        if r == 0:
            return s + self.string()
        if r == 1:
            return self.string() + s
        if r == 2:
            return s.upper() if s != s.upper() else s.lower()
        if r == 3:
            return s[: self.rng.randrange(len(s) + 1)]
        if r == 4:
            return s * self.rng.randrange(2, 50)
        if r == 5 and s:
            i = self.rng.randrange(len(s))
            odd = self.rng.choice(["\u0000", "\n", "%", "é", "\udcff", " ", "/", "~1"])
            return s[:i] + odd + s[i + 1:]
        if r == 6:
            return " " + s + " "
        if r == 7:
            return quote(s, safe="")
        if r == 8:
            return s + "\u0000"
        return self.string()

    # -- JSON trees

    def _slots(self, node: Any, out: list, depth: int = 0, limit: int = 400) -> None:
        """(container, key, depth) of every value in node, the first `limit` of them."""
        if len(out) >= limit:
            return
        if isinstance(node, dict):
            for k in list(node):
                out.append((node, k, depth))
                self._slots(node[k], out, depth + 1, limit)
        elif isinstance(node, list):
            for i in range(len(node)):
                out.append((node, i, depth))
                self._slots(node[i], out, depth + 1, limit)

    def mutate_tree(self, doc: Any, times: int) -> Any:
        for _ in range(times):
            slots: list = []
            self._slots(doc, slots)
            if not slots or self.rng.random() < 0.04:
                doc = self.value()
                continue
            parent, key, depth = self.rng.choice(slots)
            current = parent[key]
            op = self.rng.randrange(11)
            if op == 0:
                if isinstance(parent, dict):
                    del parent[key]
                else:
                    parent.pop(key)
            elif op == 1:
                if isinstance(parent, dict):
                    parent[self.rng.choice(KEYS)] = self.value()
                else:
                    parent.insert(self.rng.randrange(len(parent) + 1), self.value())
            elif op == 2:
                parent[key] = [current] if self.rng.random() < 0.5 else {"value": current}
            elif op == 3 and isinstance(current, str):
                parent[key] = self.vary(current)
            elif op == 4 and isinstance(current, (int, float)) and not isinstance(current, bool):
                parent[key] = self.number()
            elif op == 5 and isinstance(parent, list):
                # Copies, not the same object again: a later mutation inside one of
                # them must not multiply through every alias.
                text = json.dumps(current)
                n = self.rng.randrange(2, 300 if len(text) < 200 else 4)
                parent.extend(json.loads(text) for _ in range(n))
            elif op == 6 and depth < 10:
                parent[key] = self.nested()
            elif op == 7 and isinstance(parent, dict):
                del parent[key]
                parent[self.vary(str(key))] = current
            elif op == 8 and isinstance(current, str):
                parent[key] = self.long_string()
            else:
                parent[key] = self.value()
        return doc

    # -- encoding

    def encode(self, doc: Any) -> bytes:
        ascii_only = self.rng.random() < 0.7
        dup = self.rng.random() < 0.08

        pieces: list[str] = []

        def dump(v: Any) -> None:
            # Into one list of pieces: joining at every level would copy deep documents
            # over and over.
            if isinstance(v, dict):
                items = list(v.items())
                if dup and items and self.rng.random() < 0.5:
                    k, _ = self.rng.choice(items)
                    items.insert(self.rng.randrange(len(items) + 1), (k, self.string()))
                pieces.append("{")
                for i, (k, x) in enumerate(items):
                    pieces.append(("," if i else "") + json.dumps(str(k), ensure_ascii=ascii_only)
                                  + ":")
                    dump(x)
                pieces.append("}")
            elif isinstance(v, list):
                pieces.append("[")
                for i, x in enumerate(v):
                    if i:
                        pieces.append(",")
                    dump(x)
                pieces.append("]")
            else:
                pieces.append(json.dumps(v, ensure_ascii=ascii_only))

        if dup:
            dump(doc)
            text = "".join(pieces)
        else:
            text = json.dumps(doc, ensure_ascii=ascii_only)
        data = text.encode("utf-8", "surrogatepass")
        # Past the 2 MiB body limit is worth a try; far past it is only slow.
        return data[:2_200_000]

    def mangle(self, data: bytes) -> bytes:
        """Byte-level damage to a serialised body."""
        r = self.rng.randrange(12)
        n = len(data)
        at = self.rng.randrange(n + 1)
        if r == 0:
            return data[:at]
        if r == 1:
            return data[:at] + self.rng.choice(ODD_BYTES) + data[at:]
        if r == 2 and n:
            i = self.rng.randrange(n)
            return data[:i] + bytes([data[i] ^ (1 << self.rng.randrange(8))]) + data[i + 1:]
        if r == 3:
            j = min(n, at + self.rng.randrange(1, 20))
            return data[:at] + data[j:]
        if r == 4:
            j = min(n, at + self.rng.randrange(1, 40))
            return data[:j] + data[at:j] * self.rng.randrange(2, 20) + data[j:]
        if r == 5:
            weird = self.rng.choice([b"1e99999", b"-0", b"01", b"NaN", b"Infinity", b"-Infinity",
                                     b"1.0e+", b"0x10", b"1_000", b".5", b"18446744073709551616",
                                     b"-9223372036854775809", b"1" * 400])
            return re.sub(rb"-?\d+(\.\d+)?", weird, data, count=self.rng.randrange(1, 4))
        if r == 6:
            return data + self.rng.choice([b"x", b",", b"}", b"]", b" {}", b"\x00", b"\n\n"])
        if r == 7:
            return self.rng.choice([b"\xef\xbb\xbf", b" \n\t", b"\x00", b"//c\n"]) + data
        if r == 8:
            return self.rng.choice(NON_JSON)
        if r == 9:
            return data.replace(b'"', b"'", self.rng.randrange(1, 4))
        if r == 10:
            return data.replace(b":", b"=", 1)
        return data[:at] + self.rng.randbytes(self.rng.randrange(1, 8)) + data[at:]

    def body(self, seed: Any) -> bytes:
        """A JSON body near the valid document `seed` (sometimes `seed` itself)."""
        doc = json.loads(json.dumps(seed))
        r = self.rng.random()
        if r < 0.15:
            return self.encode(doc)
        if r < 0.70:
            return self.encode(self.mutate_tree(doc, self.rng.randrange(1, 4)))
        data = self.encode(self.mutate_tree(doc, self.rng.randrange(0, 3)))
        for _ in range(self.rng.randrange(1, 3)):
            data = self.mangle(data)
        return data

    # -- URL pieces

    def segment(self, s: str) -> str:
        """A path segment near s, as it goes on the wire (may hold raw bytes
        above 0x7f, control characters and spaces: only raw sending keeps them)."""
        r = self.rng.randrange(22)
        picks = [
            "", ".", "..", "%2e%2e", "%2F", "%2f..%2f", "%00", "%0a", "%0d%0a", "%20", "%",
            "%zz", "%c3%28", "%ff", "%C3%A9", "%F0%9F%98%80", "é", "😀", "日本", "~", "*",
            "%252F", ";x=1", "a;b", "\x00", "\x01", "\x7f", "\t", " ", "\\", "%5C", "..%5C",
        ]
        if r < 8:
            return self.rng.choice(picks)
        if r < 10:
            return s + self.rng.choice(picks)
        if r < 12:
            return "a" * self.rng.choice([256, 1024, 8192, 65536, 70000])
        if r < 14:
            return quote(s, safe="") if s else "%41"
        if r < 16:
            return "".join(f"%{b:02X}" for b in s.encode("utf-8", "surrogatepass")) or "%41"
        if r < 18:
            return s + chr(self.rng.randrange(0, 32))
        if r < 19:
            return s.upper()
        return quote(self.vary(s), safe="/%") if self.rng.random() < 0.5 else self.vary(s)

    def query(self, pairs: list[tuple[str, str]]) -> str:
        """A query string for the pairs, in a mix of encodings."""
        parts = []
        for k, v in pairs:
            mode = self.rng.randrange(10)
            if mode < 5:
                kv = quote(k, safe="") + "=" + quote(v, safe=":,")
            elif mode == 5:
                kv = f"{k}={v}"  # raw, whatever it holds
            elif mode == 6:
                kv = quote(k) + "=" + quote(quote(v))
            elif mode == 7:
                kv = k
            elif mode == 8:
                broken = self.rng.choice(["%", "%%", "%2", "%g"])
                kv = f"{k}={quote_plus(v)}".replace("%", broken, 1)
            else:
                kv = "=".join("".join(f"%{b:02x}" for b in as_bytes(x)) for x in (k, v))
            parts.append(kv)
        sep = self.rng.choice(["&"] * 8 + [";", "&&", "&amp;"])
        q = sep.join(parts)
        r = self.rng.random()
        if r < 0.05:
            q = "&" + q + "&"
        elif r < 0.08:
            q += "#frag"
        elif r < 0.10:
            q += "&=" + self.rng.choice(["", "x"])
        return q
