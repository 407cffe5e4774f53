"""Fixtures for the end-to-end tests: the real `glint` binary, driven by the
real OpenStack clients (python-openstackclient, openstacksdk, glanceclient).

Environment:
  GLINT_BIN                 the binary to test (default: target/debug/glint)
  GLINT_E2E_DATABASE_URL    a postgres:// URL; when set, every server gets a
                            fresh PostgreSQL database instead of SQLite
  GLINT_PG_ADMIN_URL        URL of a database to run CREATE/DROP DATABASE in
                            (default: GLINT_E2E_DATABASE_URL with /postgres)
  PGBIN                     directory holding psql (default: PATH, then
                            /usr/lib/postgresql/*/bin)
  GLINT_E2E_START_TIMEOUT   seconds to wait for a server to answer (default 30)

Fixtures: `glint_server` (one server per test module, with the module's
`SERVER_ENV` settings if it has any), `glint_admin` (the `glint` admin
commands), `openstack` (the `openstack` CLI as any user), `make_account` (an
account with users, and the CLI, openstacksdk and glanceclient signed in as
each of them) and `cloud_admin` (the same for the bootstrap `admin` user).
"""

from __future__ import annotations

import glob
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Fixtures kept in modules of their own: `server_with` (a server with its own settings) and the
# autouse `_live_output` behind `say`.
pytest_plugins = ["raw_http", "live_output"]

ADMIN_PASSWORD = "e2e-admin-" + uuid.uuid4().hex[:12]

# Servers currently running, so that a failing test can show their logs.
_RUNNING: list["GlintServer"] = []

LOG_TAIL_LINES = 200


# --------------------------------------------------------------------------
# helpers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for child processes: ours, without any OS_* (client
    configuration) or GLINT_* (server configuration) variables that could make
    a test depend on the shell it was started from."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OS_") and not k.startswith("GLINT_")
    }
    env.update(extra)
    return env


def _show(cmd: list[str]) -> str:
    return " ".join(shlex.quote(c) for c in cmd)


def _mask(cmd: list[str], secrets: list[str]) -> list[str]:
    return ["***" if c in secrets and c else c for c in cmd]


def _fail_message(what: str, proc: subprocess.CompletedProcess, shown: list[str]) -> str:
    return (
        f"{what} exited with {proc.returncode}: {_show(shown)}\n"
        f"--- stdout ---\n{proc.stdout}"
        f"--- stderr ---\n{proc.stderr}"
    )


def _wants_json(args: tuple[str, ...]) -> bool:
    for i, a in enumerate(args):
        if a in ("-f", "--format") and i + 1 < len(args) and args[i + 1] == "json":
            return True
        if a in ("-fjson", "--format=json"):
            return True
    return False


def find_binary() -> Path:
    configured = os.environ.get("GLINT_BIN")
    path = Path(configured) if configured else REPO_ROOT / "target" / "debug" / "glint"
    if not path.is_absolute():
        path = (REPO_ROOT / path).resolve()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.exit(
            f"glint binary not found at {path}: run `cargo build -p glint` "
            "or set GLINT_BIN",
            returncode=3,
        )
    return path


def find_openstack_cli() -> str:
    beside = Path(sys.executable).parent / "openstack"
    if beside.is_file():
        return str(beside)
    found = shutil.which("openstack")
    if not found:
        pytest.exit(
            "the `openstack` CLI is not installed: source scripts/lib/python-env.sh "
            "and run glint_python_env (or pip install -r tests/e2e/requirements.txt)",
            returncode=3,
        )
    return found


def find_psql() -> str:
    for d in (os.environ.get("PGBIN"), os.environ.get("GLINT_PG_BIN")):
        if d and Path(d, "psql").is_file():
            return str(Path(d, "psql"))
    found = shutil.which("psql")
    if found:
        return found
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/psql"),
        key=lambda p: [int(x) if x.isdigit() else x for x in p.split("/")[-3].split(".")],
    )
    if candidates:
        return candidates[-1]
    pytest.exit("GLINT_E2E_DATABASE_URL is set but psql was not found", returncode=3)


def with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


class PostgresDatabases:
    """Creates and drops one throwaway database per server."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.admin_url = os.environ.get("GLINT_PG_ADMIN_URL") or with_database(
            base_url, "postgres"
        )
        self.psql = find_psql()

    def _sql(self, sql: str) -> None:
        proc = subprocess.run(
            [self.psql, self.admin_url, "-v", "ON_ERROR_STOP=1", "-qAtX", "-c", sql],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if proc.returncode != 0:
            raise RuntimeError(_fail_message("psql", proc, ["psql", "-c", sql]))

    def create(self) -> tuple[str, str]:
        name = "glint_e2e_" + uuid.uuid4().hex[:12]
        self._sql(f'CREATE DATABASE "{name}"')
        return name, with_database(self.base_url, name)

    def drop(self, name: str) -> None:
        self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------
# the server under test


class GlintServer:
    """One `glint serve` process with its own data directory (and database)."""

    def __init__(self, binary: Path, workdir: Path, database_url: str | None):
        self.binary = binary
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.log_path = workdir / "server.log"
        self.database_url = database_url
        self.admin_password = ADMIN_PASSWORD
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        # Extra environment (GLINT__SECTION__KEY settings), the open-file limit to start
        # with, and where standard error goes (default: the log, with standard output).
        self.extra_env: dict[str, str] = {}
        self.nofile: int | None = None
        self.stderr_path: str | None = None

    # -- addresses

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth_url(self) -> str:
        return f"{self.base_url}/identity/v3"

    def image_url(self, region: str) -> str:
        return f"{self.base_url}/image/{region}"

    def compute_url(self, region: str) -> str:
        return f"{self.base_url}/compute/{region}/v2.1"

    # -- process

    def global_args(self) -> list[str]:
        args = ["--data-dir", str(self.data_dir)]
        if self.database_url:
            args += ["--database-url", self.database_url]
        return args

    def env(self) -> dict[str, str]:
        return clean_env(
            GLINT_ADMIN_PASSWORD=self.admin_password, RUST_BACKTRACE="1", NO_COLOR="1",
            **self.extra_env,
        )

    def _preexec(self) -> None:
        if self.nofile is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_NOFILE, (self.nofile, self.nofile))

    def start(self, timeout: float) -> None:
        for attempt in range(3):
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                log.write(f"=== glint serve on 127.0.0.1:{self.port} ===\n".encode())
                log.flush()
                offset = log.tell()
                stderr = (
                    open(self.stderr_path, "wb") if self.stderr_path else subprocess.STDOUT
                )
                self.proc = subprocess.Popen(
                    [str(self.binary), *self.global_args(), "serve",
                     "--listen", f"127.0.0.1:{self.port}"],
                    cwd=self.workdir,
                    env=self.env(),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=stderr,
                    preexec_fn=self._preexec if self.nofile is not None else None,
                )
                if self.stderr_path:
                    stderr.close()
            _RUNNING.append(self)
            if self._wait_ready(timeout):
                return
            code = self.exit_code()
            self.stop()
            with open(self.log_path, "rb") as log:
                log.seek(offset)
                this_attempt = log.read().decode(errors="replace")
            # Another process may have taken the port between free_port() and
            # the bind: try another one.
            if code is not None and "in use" in this_attempt.lower() and attempt < 2:
                continue
            what = (
                f"exited with code {code}" if code is not None
                else f"did not answer 200 within {timeout:.0f}s"
            )
            raise RuntimeError(
                f"glint serve {what} (readiness URL {self.auth_url})\n"
                f"--- server log ({self.log_path}) ---\n{self.log_tail()}"
            )

    def _wait_ready(self, timeout: float) -> bool:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.auth_url, timeout=2) as resp:
                    if resp.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        return False

    def exit_code(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def stop(self) -> None:
        if self in _RUNNING:
            _RUNNING.remove(self)
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        all_lines = text.splitlines()
        if len(all_lines) > lines:
            skipped = len(all_lines) - lines
            all_lines = [f"... ({skipped} earlier lines in {self.log_path})"] + all_lines[-lines:]
        return "\n".join(all_lines)

    # -- clients

    def admin(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess:
        """Run `glint <args>` (an admin command) against this server's data
        dir and database. Raises AssertionError on a non-zero exit when check
        is true."""
        __tracebackhide__ = True
        cmd = [str(self.binary), *self.global_args(), *args]
        proc = subprocess.run(
            cmd,
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            cwd=self.workdir,
            env=self.env(),
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(_fail_message("glint", proc, ["glint", *args]))
        return proc

    def openstack(
        self,
        user: str,
        password: str,
        project: str | None,
        *args: str,
        region: str | None = None,
        project_id: str | None = None,
        check: bool = True,
        timeout: float = 120,
    ):
        """Run the real `openstack` CLI as USER/PASSWORD scoped to PROJECT
        (an account name; or pass project=None, project_id=NUMBER).

        Returns the parsed JSON output when `-f json` is among args and
        check is true; the CompletedProcess otherwise."""
        __tracebackhide__ = True
        cmd = [
            find_openstack_cli(),
            "--os-auth-url", self.auth_url,
            "--os-identity-api-version", "3",
            "--os-username", user,
            "--os-password", password,
            "--os-user-domain-name", "Default",
        ]
        if project is not None:
            cmd += ["--os-project-name", project, "--os-project-domain-name", "Default"]
        if project_id is not None:
            cmd += ["--os-project-id", project_id]
        if region is not None:
            cmd += ["--os-region-name", region]
        cmd += list(args)
        proc = subprocess.run(
            cmd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            cwd=self.workdir,
            env=clean_env(),
            timeout=timeout,
        )
        if not check:
            return proc
        if proc.returncode != 0:
            shown = ["openstack", *_mask(cmd[1:], [password])]
            raise AssertionError(_fail_message("openstack", proc, shown))
        if _wants_json(args):
            try:
                return json.loads(proc.stdout)
            except json.JSONDecodeError as e:
                raise AssertionError(
                    f"openstack printed no valid JSON ({e}):\n{proc.stdout}\n{proc.stderr}"
                ) from e
        return proc


# --------------------------------------------------------------------------
# accounts and signed-in clients


def sdk_connect(server: GlintServer, user: str, password: str, project: str, region: str):
    """An openstacksdk connection as USER/PASSWORD scoped to account PROJECT."""
    import openstack as openstack_sdk

    return openstack_sdk.connect(
        auth_url=server.auth_url,
        username=user,
        password=password,
        project_name=project,
        user_domain_name="Default",
        project_domain_name="Default",
        region_name=region,
        identity_api_version="3",
        load_yaml_config=False,
        load_envvars=False,
    )


def keystone_session(server: GlintServer, user: str, password: str, project: str):
    """A keystoneauth session (password auth, scoped to account PROJECT)."""
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    auth = v3.Password(
        auth_url=server.auth_url,
        username=user,
        password=password,
        project_name=project,
        user_domain_name="Default",
        project_domain_name="Default",
    )
    return ks_session.Session(auth=auth)


@dataclass
class Account:
    """An account on a running server, with the passwords of its users.

    `cli(user, *args)` runs the `openstack` CLI as that user (region
    `region` unless told otherwise); `sdk(user)` is an openstacksdk
    connection, kept for the module and closed at its end; `session(user)`
    is a keystoneauth session, `api(user, method, path, body)` one request to
    Glint's extensions through a session kept for the module, and
    `glance(user)` a python-glanceclient v2 client on a new one."""

    server: GlintServer
    name: str
    number: str
    region: str
    passwords: dict[str, str] = field(default_factory=dict)
    _connections: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _sessions: dict[str, Any] = field(default_factory=dict, repr=False)

    def password(self, user: str) -> str:
        return self.passwords[user]

    def cli(self, user: str, *args: str, region: str | None = None, check: bool = True):
        __tracebackhide__ = True
        return self.server.openstack(
            user, self.passwords[user], self.name, *args,
            region=region or self.region, check=check,
        )

    def sdk(self, user: str, region: str | None = None):
        key = (user, region or self.region)
        if key not in self._connections:
            self._connections[key] = sdk_connect(
                self.server, user, self.passwords[user], self.name, key[1]
            )
        return self._connections[key]

    def session(self, user: str):
        return keystone_session(self.server, user, self.passwords[user], self.name)

    def api(self, user: str, method: str, path: str, body=None, node: GlintServer | None = None):
        """One request to Glint's own API (its extensions) at `path` on `node`
        (default: the account's server) as USER, through a keystoneauth session
        kept for the module: (status, parsed JSON body or None)."""
        if user not in self._sessions:
            self._sessions[user] = self.session(user)
        base = (node or self.server).base_url
        resp = self._sessions[user].request(
            base + path, method, json=body, raise_exc=False,
            headers={"Accept": "application/json"},
        )
        return resp.status_code, (resp.json() if resp.content else None)

    def glance(self, user: str, region: str | None = None):
        import glanceclient

        return glanceclient.Client(
            "2", session=self.session(user), region_name=region or self.region
        )

    def close(self) -> None:
        self._sessions.clear()
        for conn in self._connections.values():
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        self._connections.clear()


# --------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="session")
def glint_bin() -> Path:
    return find_binary()


@pytest.fixture(scope="session")
def _pg_databases():
    url = os.environ.get("GLINT_E2E_DATABASE_URL")
    return PostgresDatabases(url) if url else None


@pytest.fixture(scope="module")
def glint_server(glint_bin, _pg_databases, tmp_path_factory, request):
    """A running `glint serve` for the whole test module, on a free loopback
    port, with a fresh data directory (and a fresh PostgreSQL database when
    GLINT_E2E_DATABASE_URL is set). A module may set `SERVER_ENV`, a dict of
    GLINT__SECTION__KEY settings, to start it with those."""
    workdir = tmp_path_factory.mktemp("glint")
    db_name = None
    database_url = None
    if _pg_databases is not None:
        db_name, database_url = _pg_databases.create()
    server = GlintServer(glint_bin, workdir, database_url)
    server.extra_env = dict(getattr(request.module, "SERVER_ENV", {}))
    timeout = float(os.environ.get("GLINT_E2E_START_TIMEOUT", "30"))
    try:
        server.start(timeout)
        yield server
    finally:
        server.stop()
        if db_name is not None:
            _pg_databases.drop(db_name)


@pytest.fixture(scope="module")
def glint_admin(glint_server):
    """glint_admin(*args, input=None, check=True) -> CompletedProcess"""
    return glint_server.admin


@pytest.fixture(scope="module")
def openstack(glint_server):
    """openstack(user, password, project, *args, region=None, project_id=None,
    check=True) -> parsed JSON (with `-f json`) or CompletedProcess"""
    return glint_server.openstack


@pytest.fixture(scope="module")
def make_account(glint_server):
    """make_account(name, users={"alice": "member"}, regions="DFW",
    number=None, region=None) -> Account

    Creates the account with `glint account create` (with `--id NUMBER` when
    given) and each user with `glint user create` and a fresh password.
    `region` (default: the first of `regions`) is the region its clients
    use."""
    made: list[Account] = []

    def make(
        name: str,
        users: dict[str, str] | None = None,
        regions: str = "DFW",
        number: str | None = None,
        region: str | None = None,
    ) -> Account:
        __tracebackhide__ = True
        args = ["account", "create", name, "--regions", regions]
        if number is not None:
            args += ["--id", number]
        out = glint_server.admin(*args).stdout
        if number is None:
            found = re.search(r"number (\d+)", out)
            assert found, f"`glint account create` printed no account number:\n{out}"
            number = found.group(1)
        account = Account(
            glint_server, name, number, region or regions.split(",")[0].strip()
        )
        for user, role in (users or {}).items():
            password = f"{user}-pw-" + uuid.uuid4().hex[:12]
            glint_server.admin(
                "user", "create", user, "--account", name, "--role", role,
                input=password + "\n",
            )
            account.passwords[user] = password
        made.append(account)
        return account

    yield make
    for account in made:
        account.close()


@pytest.fixture(scope="module")
def cloud_admin(glint_server):
    """The bootstrap `admin` user of account `admin` (role admin, every
    region), as an Account whose clients use region DFW."""
    out = glint_server.admin("account", "list").stdout
    number = next(
        (
            line.split()[0]
            for line in out.splitlines()
            if len(line.split()) >= 2 and line.split()[1] == "admin"
        ),
        "",
    )
    account = Account(
        glint_server, "admin", number, "DFW", {"admin": glint_server.admin_password}
    )
    yield account
    account.close()


# --------------------------------------------------------------------------
# show the server log when a test fails


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and _RUNNING:
        for server in list(_RUNNING):
            status = "running"
            code = server.exit_code()
            if code is not None:
                status = f"EXITED with code {code}"
            report.sections.append(
                (f"glint server log, port {server.port} ({status})", server.log_tail())
            )
    return report


def pytest_report_header(config):
    db = os.environ.get("GLINT_E2E_DATABASE_URL")
    return [
        "glint binary: " + os.environ.get("GLINT_BIN", "target/debug/glint"),
        "glint database: " + ("PostgreSQL (fresh database per server)" if db else "SQLite"),
    ]
