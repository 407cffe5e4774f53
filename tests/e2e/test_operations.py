"""Running Glint like a real cloud, against the real binary:

- /healthcheck answers 200 "OK" without a token, goes 503 while PostgreSQL is
  stopped and 200 again once it is back, without a restart (PostgreSQL runs
  only: it stops the test command's own cluster, as test_db_outage does);
- /metrics parses with Prometheus' own parser, its request counter rises by
  exactly the requests sent, and the separate metrics address serves it
  without a token;
- with [log] format = "json" every line on standard error is a JSON object,
  and the lines of a request carry the request id the client got in
  x-openstack-request-id, with its route;
- SIGTERM during a 500 MiB upload: the server stops accepting connections,
  the upload completes, the process exits 0, and after a restart the image is
  active with the right checksums.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import signal
import socket
import time

from prometheus_client.parser import text_string_to_metric_families

from conftest import free_port
from live_output import say
from raw_http import REGION, admin_token, new_image, request
from test_db_outage import cluster, start, stop

MIB = 1024 * 1024


def healthcheck(server) -> tuple[int, bytes]:
    status, _, body = request(server, "GET", "/healthcheck",
                              headers={"Accept": "text/plain"}, timeout=30)
    return status, body


def test_the_healthcheck_goes_503_while_postgresql_is_down_and_200_when_it_is_back(server_with):
    pg_dir, pg_bin = cluster()
    server = server_with()
    assert healthcheck(server) == (200, b"OK")
    opts = stop(pg_dir, pg_bin)
    try:
        started = time.monotonic()
        deadline = started + 15
        while True:
            status, body = healthcheck(server)
            if status == 503:
                break
            assert time.monotonic() < deadline, f"still {status} with PostgreSQL stopped"
            time.sleep(0.2)
        down_after = time.monotonic() - started
        assert body == b"database unavailable\nstores unavailable", body
    finally:
        start(pg_dir, pg_bin, opts)
    deadline = time.monotonic() + 30
    while healthcheck(server)[0] != 200:
        assert time.monotonic() < deadline, "still not 200 after PostgreSQL came back"
        time.sleep(0.5)
    assert healthcheck(server) == (200, b"OK")
    assert server.exit_code() is None
    say(f"healthcheck: 503 {down_after:.1f}s after PostgreSQL stopped, 200 once it was back")


def families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def requests_total(text: str, route: str, method: str, status: str) -> float:
    for sample in families(text)["glint_http_requests"].samples:
        labels = sample.labels
        if sample.name == "glint_http_requests_total" and labels == {
                "route": route, "method": method, "status": status}:
            return sample.value
    return 0.0


def scrape(server, token: str) -> str:
    status, headers, body = request(server, "GET", "/metrics", token,
                                    headers={"Accept": "text/plain"})
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return body.decode()


def test_metrics_parse_and_count_exactly_the_requests_sent(server_with):
    metrics_port = free_port()
    server = server_with(env={"GLINT__METRICS__LISTEN": f"127.0.0.1:{metrics_port}"})
    token = admin_token(server)
    assert request(server, "GET", "/metrics")[0] == 401

    before = scrape(server, token)
    sent = 7
    for _ in range(sent):
        assert request(server, "GET", f"/image/{REGION}/v2/images", token)[0] == 200
    image = new_image(server, token)
    data = bytes(range(256)) * 4096  # 1 MiB
    status, _, body = request(server, "PUT", f"/image/{REGION}/v2/images/{image}/file", token,
                              raw=data, headers={"Content-Type": "application/octet-stream"})
    assert status == 204, body
    after = scrape(server, token)

    route = "/image/{region}/v2/images"
    assert requests_total(after, route, "GET", "200") - requests_total(before, route, "GET", "200") == sent
    parsed = families(after)
    received = parsed["glint_http_received_bytes"].samples[0].value
    assert received >= len(data), received
    assert parsed["glint_uploads_in_progress"].samples[0].value == 0
    durations = parsed["glint_http_request_duration_seconds"]
    assert durations.type == "histogram"
    count = [s for s in durations.samples if s.name.endswith("_count")
             and s.labels == {"route": route, "method": "GET"}]
    assert count and count[0].value >= sent
    pool = {s.labels["state"]: s.value for s in parsed["glint_db_connections"].samples}
    assert set(pool) == {"in_use", "idle"}
    assert image not in after, "a raw path in the metrics"

    # The separate address serves the same figures without a token.
    conn = http.client.HTTPConnection("127.0.0.1", metrics_port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        resp = conn.getresponse()
        open_text = resp.read().decode()
    finally:
        conn.close()
    assert resp.status == 200
    assert requests_total(open_text, route, "GET", "200") == requests_total(after, route, "GET", "200")
    say(f"metrics: {len(parsed)} families; the request counter rose by exactly {sent}")


def test_json_log_lines_carry_the_request_id_the_client_got(server_with, tmp_path):
    stderr = tmp_path / "stderr.log"
    server = server_with(env={"GLINT__LOG__FORMAT": "json"}, stderr_path=str(stderr))
    status, headers, body = request(server, "POST", "/identity/v3/auth/tokens", body={
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"name": "Default"},
                "password": server.admin_password}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}},
        }
    })
    assert status == 201, body
    request_id = headers["x-openstack-request-id"]
    token = headers["X-Subject-Token"]
    account = json.loads(body)["token"]["project"]["id"]
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(line) for line in stderr.read_text().splitlines() if line.strip()]
        ours = [line for line in lines if line.get("request_id") == request_id]
        if ours or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert ours, f"no line with {request_id} among {len(lines)}"
    for line in ours:
        assert line["route"] == "/identity/v3/auth/tokens", line
        assert {"timestamp", "level", "target", "message"} <= set(line), line
    assert any(line.get("account") == account for line in ours), ours
    # Every line parses (json.loads above), start-up lines included.
    assert all("level" in line for line in lines)
    assert request(server, "GET", f"/image/{REGION}/v2/images", token)[0] == 200
    say(f"json log: {len(lines)} lines parse; {len(ours)} carry {request_id}")


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return False
    except OSError:
        return True


def test_sigterm_during_a_500_mib_upload_lets_it_finish_then_exits_0(server_with):
    server = server_with(shutdown_grace_secs=300)
    token = admin_token(server)
    image = new_image(server, token)
    total = 500 * MIB
    block = hashlib.sha512(b"glint").digest() * (MIB // 64)
    md5, sha512 = hashlib.md5(), hashlib.sha512()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    conn.putrequest("PUT", f"/image/{REGION}/v2/images/{image}/file")
    for name, value in (("X-Auth-Token", token), ("Content-Type", "application/octet-stream"),
                        ("Content-Length", str(total)), ("Accept", "application/json")):
        conn.putheader(name, value)
    conn.endheaders()
    signalled_at = None
    for at in range(total // MIB):
        chunk = at.to_bytes(8, "big") + block[8:]
        md5.update(chunk)
        sha512.update(chunk)
        conn.send(chunk)
        if at == 100:
            server.proc.send_signal(signal.SIGTERM)
            signalled_at = time.monotonic()
            deadline = signalled_at + 10
            while not refused(server.port):
                assert time.monotonic() < deadline, "still accepting after SIGTERM"
                time.sleep(0.05)
    resp = conn.getresponse()
    answer = resp.read()
    conn.close()
    assert resp.status == 204, answer
    code = server.proc.wait(timeout=60)
    took = time.monotonic() - signalled_at
    assert code == 0, f"exit code {code}\n{server.log_tail()}"

    server.start(30)
    token = admin_token(server)
    status, _, body = request(server, "GET", f"/image/{REGION}/v2/images/{image}", token)
    assert status == 200, body
    shown = json.loads(body)
    assert shown["status"] == "active", shown
    assert shown["size"] == total
    assert shown["checksum"] == md5.hexdigest()
    assert shown["os_hash_value"] == sha512.hexdigest()
    say(f"SIGTERM at 100 MiB of 500: upload completed, exit 0 {took:.1f}s after the signal")


def test_check_config_reports_what_it_reaches_and_fails_naming_what_it_cannot(
        server_with, glint_bin, tmp_path):
    import subprocess

    server = server_with()
    found = server.admin("check-config")
    assert "ok   database:" in found.stdout, found.stdout
    for region in ("DFW", "IAD", "LON"):
        assert f"ok   store {region}: local disk at" in found.stdout, found.stdout
    assert "All 4 checks passed." in found.stdout

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    broken = subprocess.run(
        [str(glint_bin), "--data-dir", str(tmp_path / "data"),
         "--database-url", f"sqlite://{tmp_path}/missing/glint.db?mode=rw", "check-config"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={**server.env(), "GLINT__STORAGE__URL": f"file://{blocker}/{{region}}"},
    )
    assert broken.returncode != 0
    assert "FAIL database:" in broken.stdout, broken.stdout
    assert "FAIL store DFW:" in broken.stdout, broken.stdout
    assert "check-config: 4 of 4 checks failed" in broken.stderr, broken.stderr
    say("check-config: 4 checks pass on a running server's configuration; 4 of 4 fail on a broken one")
