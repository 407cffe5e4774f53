"""Plain requests for the set-up of test_fuzz.py, each on a fresh
connection: `call` and `expect`, token and Control Panel sign-ins, and
creating and uploading images.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse

from fuzz_targets import images


def call(port: int, method: str, path: str, token: str | None = None, body=None,
         headers: dict | None = None, data: bytes | None = None):
    hdrs = dict(headers or {})
    if token:
        hdrs["X-Auth-Token"] = token
    if body is not None:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return resp.status, resp.headers, parsed, raw
    finally:
        conn.close()


def expect(reply, *statuses):
    status, _, parsed, raw = reply
    assert status in statuses, f"set-up request answered {status}: {raw[:1000]!r}"
    return parsed


def sign_in(port: int, user: str, password: str, account: str) -> str:
    reply = call(port, "POST", "/identity/v3/auth/tokens", body={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": account, "domain": {"name": "Default"}}},
    }})
    expect(reply, 201)
    return reply[1]["X-Subject-Token"]


def cookies_of(headers) -> dict[str, str]:
    found = {}
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def panel_session(port: int, user: str, password: str, account: str) -> tuple[str, str]:
    """(session cookie, CSRF value) of a Control Panel sign-in."""
    status, headers, _, _ = call(port, "GET", "/sign-in")
    assert status == 200, status
    csrf = cookies_of(headers)["glint_csrf"]
    form = urllib.parse.urlencode(
        {"username": user, "password": password, "account": account, "csrf": csrf})
    status, headers, _, raw = call(port, "POST", "/sign-in", data=form.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"glint_csrf={csrf}"})
    assert status == 303, f"panel sign-in of {user}: {status} {raw[:500]!r}"
    jar = cookies_of(headers)
    return jar["glint_session"], jar["glint_csrf"]


def create_image(port, token, **fields) -> str:
    body = {"disk_format": "raw", "container_format": "bare", **fields}
    return expect(call(port, "POST", images(), token, body), 201)["id"]


def upload(port, token, image_id, data: bytes) -> None:
    expect(call(port, "PUT", images(f"/{image_id}/file"), token, data=data,
                headers={"Content-Type": "application/octet-stream"}), 204)
