"""The sending threads of test_fuzz.py: `worker` draws cases from its own
seeded `Cases` and sends them (raw ones on fresh sockets, the others on its
one keep-alive connection) until the shared budget is spent or the deadline
passes, into its `Tally`; thread 0 also `restore`s the shared image every
250 cases, for the fuzzer's deep paths.
"""

from __future__ import annotations

import json
import random
import threading
import time

from fuzz_cases import Cases
from fuzz_report import Tally
from fuzz_targets import MANAGER, PRODUCER, V21, Targets, images
from fuzz_wire import Case, KeepAlive, send_raw


def restore(t: Targets, conn: KeepAlive, tally: Tally, rng: random.Random,
            deadline: float) -> None:
    """Puts the shared image back as the fuzzer's deep paths want it (active,
    shared, accepted by the consumer); these requests count too."""
    a = t.ids["A"]
    admin, pat, mia = t.tokens["admin"], t.tokens[PRODUCER], t.tokens[MANAGER]
    steps = [
        ("POST", images(f"/{a}/actions/reactivate"), admin, None, b""),
        ("PATCH", images(f"/{a}"), admin, V21, json.dumps([
            {"op": "replace", "path": "/owner", "value": t.producer},
            {"op": "replace", "path": "/visibility", "value": "shared"},
            {"op": "replace", "path": "/protected", "value": False}]).encode()),
        ("POST", images(f"/{a}/members"), pat, "application/json",
         json.dumps({"member": t.consumer}).encode()),
        ("PUT", images(f"/{a}/members/{t.consumer}"), mia, "application/json",
         json.dumps({"status": "accepted"}).encode()),
    ]
    for method, path, token, ctype, body in steps:
        if time.monotonic() >= deadline:
            return
        headers = [("X-Auth-Token", token)] + ([("Content-Type", ctype)] if ctype else [])
        case = Case("restore", method, path, headers, body)
        wire = case.wire(t.host, rng)
        tally.add(case, wire, conn.exchange(wire, method))


def worker(t: Targets, index: int, seed: int, timeout: float, budget: dict,
           lock: threading.Lock, deadline: float, tally: Tally) -> None:
    """Thread `index` of the run: sends cases until the budget is spent or the
    deadline passed (then `budget["bounded"]` is set), into `tally`."""
    rng = random.Random(f"{seed}:{index}")
    cases = Cases(t, rng, index)
    conn = KeepAlive(t.port, timeout)
    try:
        while True:
            if time.monotonic() >= deadline:
                budget["bounded"] = True
                return
            with lock:
                if budget["left"] <= 0:
                    return
                budget["left"] -= 1
            if index == 0 and cases.n % 250 == 249:
                restore(t, conn, tally, rng, deadline)
            case = cases.next()
            wire = case.wire(t.host, rng)
            if case.raw is not None:
                out = send_raw(t.port, wire, timeout, case.methods or [case.method_name()],
                               case.whole)
            else:
                out = conn.exchange(wire, case.method_name())
            tally.add(case, wire, out)
            cases.remember(case, out)
    finally:
        conn.close()
