"""`Cases`, what the HTTP fuzzer behind test_fuzz.py sends to Glint: one
request generator per thread, aimed at the accounts, images, server and
Control Panel sessions of a `Targets`, with the kinds and weights in
`WEIGHTS`.

This module holds the generator's state, the choices its kinds share
(tokens, regions, image and member ids, content types), what it remembers of
the answers (the ids of the images and servers it made) and `next()`. The
kinds themselves are mixins, which `Cases` combines:

- `ApiCases` (fuzz_cases_api.py): mutated JSON bodies of the APIs: image
  create, PATCH in both media types, members, tokens, compute servers;
- `HttpCases` (fuzz_cases_http.py): Control Panel forms, query strings,
  headers and paths;
- `RawCases` (fuzz_cases_raw.py): image data, and raw, malformed requests.

Everything random comes from the `random.Random` the caller seeds, so a seed
makes the same choices again.
"""

from __future__ import annotations

import json
import random
import re

from fuzz_cases_api import ApiCases
from fuzz_cases_http import HttpCases
from fuzz_cases_raw import RawCases
from fuzz_targets import REGION, V20, V21, WEIGHTS, Targets
from fuzz_values import Mutator, as_bytes, random_uuid
from fuzz_wire import Case, Outcome


class Cases(ApiCases, HttpCases, RawCases):
    """The request generator of one thread: `next()` is the next Case."""

    def __init__(self, t: Targets, rng: random.Random, worker: int):
        self.t = t
        self.rng = rng
        self.mut = Mutator(rng)
        self.worker = worker
        self.n = 0
        self.pool_images: list[str] = []
        self.pool_servers: list[str] = []
        self.raw_id: str | None = None
        self.raw_method = "GET"
        self.kinds = list(WEIGHTS)
        self.weights = [WEIGHTS[k] for k in self.kinds]

    # -- choices

    def pick(self, *options):
        return self.rng.choice(options)

    def auth(self, usual: str) -> list[tuple[str, str | bytes]]:
        r = self.rng.random()
        if r < 0.75:
            return [("X-Auth-Token", self.t.tokens[usual])]
        if r < 0.92:
            return [("X-Auth-Token", self.t.tokens[self.pick(*self.t.tokens)])]
        if r < 0.96:
            return []
        token = self.t.tokens[usual]
        return [("X-Auth-Token", self.pick(token[:-1], token + "x", token.upper(), "",
                                           " " + token, token * 3, "\xe9" + token))]

    def region(self) -> str:
        return REGION if self.rng.random() < 0.9 else self.pick("IAD", "LON", "dfw", "XXX", "",
                                                                "D%46W", "DFW ", "é")

    def image_id(self, deletable: bool = False) -> str:
        r = self.rng.random()
        if deletable:
            if self.pool_images and r < 0.75:
                return self.pick(*self.pool_images)
            if r < 0.9:
                return random_uuid(self.rng)
            return self.mut.segment(random_uuid(self.rng))
        if r < 0.5:
            return self.t.ids[self.pick("A", "A", "B", "B", "C", "D", "E")]
        if r < 0.75 and self.pool_images:
            return self.pick(*self.pool_images)
        if r < 0.88:
            return random_uuid(self.rng)
        return self.mut.segment(self.t.ids[self.pick("A", "B")])

    def member_id(self) -> str:
        r = self.rng.random()
        if r < 0.75:
            return self.t.consumer
        if r < 0.85:
            return self.pick(self.t.producer, self.t.admin_number, "0", "1", "99999999")
        return self.mut.segment(self.t.consumer)

    def json_headers(self, ctype: str = "application/json") -> list[tuple[str, str]]:
        r = self.rng.random()
        if r < 0.88:
            return [("Content-Type", ctype)]
        if r < 0.93:
            return []
        return [("Content-Type", self.pick(
            ctype + "; charset=utf-8", ctype.upper(), ctype + ";;;", "text/plain", "*/*",
            "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
            "application/json-patch+json", V21 if ctype != V21 else V20, "", "\xff\xfe",
            ctype + "; charset=latin-1", "application/json, " + ctype, ctype * 20))]

    def remember(self, case: Case, outcome: Outcome) -> None:
        if not case.collect or not outcome.statuses or outcome.statuses[0] >= 300:
            return
        try:
            doc = json.loads(outcome.body)
        except ValueError:
            return
        if not isinstance(doc, dict):
            return
        if case.collect == "image" and isinstance(doc.get("id"), str):
            pool = self.pool_images
            found = doc["id"]
        elif case.collect == "server" and isinstance(doc.get("server"), dict):
            pool = self.pool_servers
            found = doc["server"].get("id")
        else:
            return
        if isinstance(found, str) and re.fullmatch(r"[0-9a-f-]{36}", found):
            pool.append(found)
            del pool[:-40]

    # -- the generator

    def next(self) -> Case:
        self.n += 1
        kind = self.rng.choices(self.kinds, self.weights)[0]
        case = getattr(self, "gen_" + kind.replace("-", "_").replace(".", ""))()
        case.kind = kind
        if case.raw is not None:
            case.request_id = self.raw_id
            case.methods = case.methods or [self.raw_method]
        elif not any(
            as_bytes(k).lower() == b"x-openstack-request-id" for k, _ in case.headers
        ):
            case.request_id = f"fz{self.worker}-{self.n}"
            case.headers.append(("X-Openstack-Request-Id", case.request_id))
        return case
