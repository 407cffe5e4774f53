# shellcheck shell=bash
# Throwaway PostgreSQL cluster for tests.
#
# Source this file, then:
#   glint_pg_start   # installs PostgreSQL if needed, starts a private cluster,
#                    # exports GLINT_TEST_DATABASE_URL, GLINT_PG_ADMIN_URL, PGBIN
#   glint_pg_stop    # fast stop and delete the cluster's directory
#
# The cluster lives in a fresh mktemp directory, listens on 127.0.0.1 only on a
# free port, trusts every local connection and runs with fsync=off. It never
# touches a system-wide cluster.

_glint_pg_find_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
        printf '%s\n' "$dir"
    fi
}

_glint_pg_free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Runs a command as the postgres user from /, so that it never starts in a
# directory that postgres may not enter.
_glint_as_postgres() {
    (cd / && runuser -u postgres -- "$@")
}

glint_pg_start() {
    local bin port data top
    bin=$(_glint_pg_find_bin)
    if [ -z "$bin" ]; then
        echo "== installing PostgreSQL (apt-get) =="
        if [ "$(id -u)" -ne 0 ]; then
            echo "PostgreSQL is not installed and this is not root: install the 'postgresql' package" >&2
            return 1
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null
        bin=$(_glint_pg_find_bin)
        if [ -z "$bin" ]; then
            echo "PostgreSQL install finished but no initdb was found under /usr/lib/postgresql" >&2
            return 1
        fi
    fi

    if ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    fi

    # The directory holds the cluster (data/), the server log and the socket.
    # mktemp directories are 0700 and owned by the caller: hand the directory
    # itself to postgres so the server can use it.
    top=$(mktemp -d -t glint-pg.XXXXXX)
    chown postgres: "$top"
    if ! _glint_as_postgres test -w "$top"; then
        # $TMPDIR lies under a directory postgres may not enter: use /tmp.
        rm -rf "$top"
        top=$(mktemp -d -p /tmp glint-pg.XXXXXX)
        chown postgres: "$top"
    fi
    data=$top/data

    if ! _glint_as_postgres "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 \
        --no-sync >"$top/initdb.log" 2>&1; then
        echo "initdb failed:" >&2
        cat "$top/initdb.log" >&2
        rm -rf "$top"
        return 1
    fi

    local tries=0
    while :; do
        port=$(_glint_pg_free_port)
        if _glint_as_postgres "$bin/pg_ctl" -D "$data" -l "$top/server.log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $top -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start >/dev/null; then
            break
        fi
        tries=$((tries + 1))
        if [ "$tries" -ge 3 ]; then
            echo "PostgreSQL did not start; server log:" >&2
            cat "$top/server.log" >&2 || true
            rm -rf "$top"
            return 1
        fi
    done

    GLINT_PG_DIR=$top
    GLINT_PG_BIN=$bin
    export GLINT_PG_DIR GLINT_PG_BIN
    export PGBIN=$bin
    export GLINT_PG_PORT=$port

    if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt \
        -c "CREATE DATABASE glint_test" >/dev/null; then
        echo "could not create database glint_test" >&2
        glint_pg_stop
        return 1
    fi

    export GLINT_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/glint_test"
    export GLINT_PG_ADMIN_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (database glint_test)"
}

glint_pg_stop() {
    if [ -z "${GLINT_PG_DIR:-}" ]; then
        return 0
    fi
    if [ -d "$GLINT_PG_DIR/data" ]; then
        _glint_as_postgres "$GLINT_PG_BIN/pg_ctl" -D "$GLINT_PG_DIR/data" -m fast -w -t 30 stop \
            >/dev/null 2>&1 || true
    fi
    rm -rf "$GLINT_PG_DIR"
    unset GLINT_PG_DIR GLINT_TEST_DATABASE_URL GLINT_PG_ADMIN_URL GLINT_PG_PORT
}
