"""The tally of what the requests of test_fuzz.py got back, and the failure
report.

`Tally` counts the requests by kind and the answers by status, and keeps the
first few failures of each kind (the same `signature`: request line without
its query and ids, and the answer); `report` shows each with the exact
bytes sent (also saved under a directory), the answer and the server log
lines of its request id, grouped by request line and answer.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from fuzz_wire import Case, Outcome, excerpt


@dataclass
class Failure:
    what: str  # "5xx", "hang", "dropped", "cut short"
    case: Case
    wire: bytes
    outcome: Outcome


UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
KEPT_PER_SIGNATURE = 3
REQUEST_LINE = re.compile(rb"(?m)^[A-Za-z]+ \S+ HTTP/1\.[01]\r?$")


def culprit(wire: bytes, request_id: str | None) -> bytes:
    """Of several requests sent in one go, the one that carries request_id
    (the id the failing answer echoed); wire itself otherwise."""
    at = wire.find(request_id.encode()) if request_id else -1
    if at < 0:
        return wire
    starts = [m.start() for m in REQUEST_LINE.finditer(wire)]
    begin = max((x for x in starts if x <= at), default=0)
    end = min((x for x in starts if x > at), default=len(wire))
    return wire[begin:end]


def signature(what: str, wire: bytes, out: Outcome) -> tuple:
    """What makes two failures the same: the request line without its query
    and ids, and the answer (for a 5xx, the first 5xx)."""
    line = culprit(wire, out.request_id).split(b"\r\n", 1)[0].split(b"?", 1)[0]
    line = UUID.sub(b"{id}", line)[:120]
    fives = tuple(s for s in out.statuses if s >= 500)[:1]
    return what, line, fives or tuple(out.statuses), out.body[:100]


@dataclass
class Tally:
    sent: int = 0
    kinds: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    fives: int = 0
    hangs: int = 0
    dropped: int = 0
    closed: int = 0
    unparsed: int = 0
    # signature -> [how many, the first few failures]
    failures: dict = field(default_factory=dict)
    odd: list[Failure] = field(default_factory=list)  # unparsed answers, shown on failure

    def add(self, case: Case, wire: bytes, out: Outcome) -> None:
        self.sent += 1
        self.kinds[case.kind] += 1
        for s in out.statuses:
            self.statuses[s] += 1
        if out.hang:
            self.statuses["hang"] += 1
        if out.closed or out.cut:
            self.statuses["closed"] += 1
        if out.unparsed and wire.startswith(b"PRI * HTTP/2.0\r\n"):
            self.statuses["http/2 frames"] += 1  # the preface gets an HTTP/2 answer
        elif out.unparsed:
            self.unparsed += 1
            self.statuses["unparsed"] += 1
            if len(self.odd) < 3:
                self.odd.append(Failure("unparsed answer", case, wire, out))
        if out.truncated:
            self.statuses["cut short"] += 1
        five = any(s >= 500 for s in out.statuses)
        # On a keep-alive connection every whole request deserves a whole answer.
        dropped = (out.closed or out.truncated) and case.raw is None
        self.fives += five
        self.hangs += out.hang
        self.dropped += dropped
        self.closed += out.closed or out.cut
        what = ("5xx" if five else "hang" if out.hang
                else "dropped" if out.closed and dropped
                else "cut short" if dropped else None)
        if what:
            entry = self.failures.setdefault(signature(what, wire, out), [0, []])
            entry[0] += 1
            if len(entry[1]) < KEPT_PER_SIGNATURE:
                entry[1].append(Failure(what, case, wire, out))

    def merge(self, other: "Tally") -> None:
        self.sent += other.sent
        self.kinds.update(other.kinds)
        self.statuses.update(other.statuses)
        for name in ("fives", "hangs", "dropped", "closed", "unparsed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for sig, (count, kept) in other.failures.items():
            entry = self.failures.setdefault(sig, [0, []])
            entry[0] += count
            entry[1] += kept[: KEPT_PER_SIGNATURE - len(entry[1])]
        self.odd += other.odd[: 3 - len(self.odd)]


def log_lines(log: str, request_id: str | None, limit: int = 20) -> list[str]:
    if not request_id:
        return []
    needle = f"request_id={request_id}"
    found = [line for line in log.splitlines() if needle in line]
    return found[:limit]


def report(tally: Tally, log: str, save_dir: Path) -> str:
    parts = []
    n = 0
    groups = sorted(tally.failures.items(), key=lambda kv: -kv[1][0])
    for sig, (count, kept) in groups[:15]:
        parts.append(f"=== {count} x {sig[0]}: {sig[1].decode('latin-1')} -> "
                     f"{', '.join(map(str, sig[2])) or 'no answer'}")
        for f in kept:
            saved = save_dir / f"failure-{n:02d}.bin"
            saved.write_bytes(f.wire)
            n += 1
            rid = f.outcome.request_id or f.case.request_id
            lines = log_lines(log, rid)
            one = culprit(f.wire, f.outcome.request_id)
            sent = f"sent: {excerpt(one, 3000)}\n"
            if one != f.wire:
                sent = (f"sent, among other requests on one connection ({len(f.wire)} bytes "
                        f"in all, in the file): {excerpt(one, 3000)}\n")
            parts.append(
                f"--- {f.what} ({f.case.kind}) request id {rid}, bytes in {saved}\n"
                + sent +
                f"answer: {f.outcome.answer()}\n"
                "server log:\n"
                + ("\n".join("    " + ln for ln in lines) or "    (no line for this id)")
            )
    if len(groups) > 15:
        parts.append(f"... and {len(groups) - 15} more kinds of failure")
    for f in tally.odd:
        parts.append(f"--- (not a failure) unparsed answer to: {excerpt(f.wire, 300)}\n"
                     f"answer: {f.outcome.answer()}")
    return "\n".join(parts)
