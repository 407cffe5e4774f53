"""What the HTTP fuzzer behind test_fuzz.py aims at in Glint: the users it
acts as, the region, the image formats and PATCH media types, `images()`
(the path of the image API), `Targets` (the accounts, images, server and
Control Panel sessions of a running server), `disk_bytes` (data that starts
like some disk format, with random fields after) and `WEIGHTS`, how often
each kind of request is made.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass


REGION = "DFW"
PRODUCER, READER = "pat", "rita"
MANAGER, MEMBER = "mia", "cody"

DISK_FORMATS = ["raw", "qcow2", "vmdk", "vhd", "vhdx", "vdi", "iso", "ami", "ari", "aki", "ploop"]
CONTAINER_FORMATS = ["bare", "ovf", "ova", "ami", "ari", "aki", "docker", "compressed"]
V21 = "application/openstack-images-v2.1-json-patch"
V20 = "application/openstack-images-v2.0-json-patch"

# How often each kind of request is made (relative weights).
WEIGHTS = {
    "create": 7, "patch-v2.1": 11, "patch-v2.0": 6, "member": 8, "token": 5, "form": 8,
    "query": 13, "header": 12, "path": 9, "data": 6, "compute": 3, "raw": 12,
}


def images(rest: str = "", region: str = REGION) -> str:
    return f"/image/{region}/v2/images{rest}"


@dataclass
class Targets:
    """What a running server holds for the fuzzer to aim at."""

    port: int
    tokens: dict[str, str]  # user -> a token scoped to the user's account
    passwords: dict[str, str]
    accounts: dict[str, str]  # user -> account name
    producer: str  # account numbers
    consumer: str
    admin_number: str
    # Image ids: A active, shared with the consumer and accepted; B queued,
    # its share pending; C the consumer's own; D deactivated; E public.
    ids: dict[str, str]
    server: str  # a server of the consumer's, booted from A
    flavor: str
    panel: dict[str, tuple[str, str]]  # user -> (session cookie, CSRF value)
    victims: list[str]  # tokens that may be revoked

    @property
    def host(self) -> bytes:
        return b"127.0.0.1:%d" % self.port


def qcow2_header(rng: random.Random) -> bytes:
    pick = lambda *xs: rng.choice(xs)  # noqa: E731
    big = pick(0, 1, 2**31, 2**32 - 1, 2**63, 2**64 - 1, rng.getrandbits(64))
    return struct.pack(
        ">4sIQIIQIIQQIIQ", b"QFI\xfb", pick(1, 2, 3, 4, 0, 2**32 - 1),
        pick(0, 0, 72, big), pick(0, 0, 10, 2**32 - 1), pick(16, 9, 21, 0, 63, 64, 255),
        pick(65536, 0, 2**40, big), pick(0, 1, 2), pick(0, 1, 2**31, 2**32 - 1),
        pick(0, 196608, big), pick(0, 65536, big), pick(0, 1, 2**32 - 1),
        pick(0, 1, 2**32 - 1), pick(0, big),
    )


def disk_bytes(rng: random.Random) -> bytes:
    """Data that starts like some disk format, with random fields after."""
    size = rng.choice([0, 1, 511, 512, 1024, 4096, 65536, 70000, 262144])
    kind = rng.randrange(10)
    if kind == 0:
        head = qcow2_header(rng)
    elif kind == 1:
        head = b"KDMV" + rng.randbytes(60)
    elif kind == 2:
        head = b"vhdxfile" + rng.randbytes(200)
    elif kind == 3:
        head = b"\x00" * 64 + b"<<< Oracle VM VirtualBox Disk Image >>>\n" + rng.randbytes(40)
    elif kind == 4:
        head = rng.randbytes(510) + b"\x55\xaa"
    elif kind == 5:
        entries = struct.pack("<QQIII", 2, rng.getrandbits(64), rng.choice([0, 128, 2**32 - 1]),
                              rng.choice([0, 128, 2**32 - 1]), 0)
        head = b"\x00" * 446 + b"\x00\xff\xff\xff\xee" + b"\xff" * 11 + b"\x00" * 48 + b"\x55\xaa"
        head += b"EFI PART\x00\x00\x01\x00\x5c\x00\x00\x00" + b"\x00" * 52 + entries
    elif kind == 6:
        head = b"\x00" * 0x8001 + b"CD001\x01" + rng.randbytes(100)
    elif kind == 7:
        head = b"\x00" * 1080 + b"\x53\xef" + rng.randbytes(20)  # an ext superblock magic
    elif kind == 8:
        head = b"conectix" + rng.randbytes(504)
    else:
        head = b""
    body = head + rng.randbytes(max(0, size - len(head)))
    if len(body) > 512 and rng.random() < 0.3:
        body = body[:-1] + b"conectix"[: rng.randrange(1, 8)]
    return body
