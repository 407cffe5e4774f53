# shellcheck shell=bash
# The upstream OpenStack conformance suite (tempest) against the real glint
# binary: the image API v2 tests, with pre-provisioned accounts.
#
# Source this file, then:
#   glint_tempest_env        installs tempest (tests/conformance/requirements.txt)
#                            into target/tempest-venv, again whenever that file or
#                            the Python version changes; exports GLINT_TEMPEST_PYTHON
#   glint_tempest_run [BIN]  starts BIN (default: $GLINT_BIN, else target/debug/glint)
#                            on a free port with a fresh data folder, creates the
#                            accounts and users, runs tempest, stops the server and
#                            returns non-zero when a test failed, none passed, or
#                            the whole suite passed fewer than it does today
#
# Environment for glint_tempest_run:
#   GLINT_TEMPEST_REGEX   tests to run (default: ^tempest\.api\.image\.v2)
#   GLINT_TEMPEST_KEEP=1  keep the temporary workspace (logs, config) after a
#                         passing run; it is always kept after a failing one
#
# See tests/conformance/README.md.

# shellcheck source=python-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/python-env.sh"

# The whole image API suite, and how many of its tests pass against Glint today (no test is
# excluded; see tests/conformance/README.md for the ones tempest skips, and why).
_GLINT_TEMPEST_ALL='^tempest\.api\.image\.v2'
_GLINT_TEMPEST_MIN_PASSED=75

_glint_tempest_root() {
    _glint_repo_root
}

glint_tempest_env() {
    local venv
    glint_venv target/tempest-venv tests/conformance/requirements.txt tempest
    venv=$(_glint_repo_root)/target/tempest-venv
    export GLINT_TEMPEST_PYTHON=$venv/bin/python
    echo "   $("$venv/bin/tempest" --version 2>&1)"
}

# A random password of 24 hex digits.
_glint_tempest_secret() {
    od -An -N12 -tx1 /dev/urandom | tr -d ' \n'
}

# Prints `env -u NAME ...` arguments, one a line, that remove the caller's
# GLINT_*, OS_* and TEMPEST_CONFIG* variables, so that neither the server nor
# tempest depends on the shell it was started from.
_glint_tempest_unset_args() {
    local name
    while IFS= read -r name; do
        case $name in
            GLINT_* | OS_* | TEMPEST_CONFIG*) printf '%s\n' -u "$name" ;;
        esac
    done < <(compgen -e)
}

# Runs "$@" in that clean environment.
_glint_tempest_clean_env() {
    local -a unset_args=()
    mapfile -t unset_args < <(_glint_tempest_unset_args)
    env "${unset_args[@]}" "$@"
}

# The EXIT trap of glint_tempest_run: stops the server and the web-download
# source and removes the workspace (kept after a failure). Reads pid, web_pid,
# log and work from its caller.
_glint_tempest_cleanup() {
    local status=$?
    local p
    for p in "$pid" "$web_pid"; do
        if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
            kill "$p" 2>/dev/null || true
            wait "$p" 2>/dev/null || true
        fi
    done
    if [ "$status" -ne 0 ]; then
        if [ -s "$log" ]; then
            echo "--- last lines of the glint server log ---"
            tail -n 40 "$log"
            echo "--- end of the glint server log ---"
        fi
        echo "tempest workspace kept for inspection: $work"
        echo "  (glint.log, ws/etc/tempest.conf, ws/etc/accounts.yaml, ws/logs/tempest.log)"
    elif [ "${GLINT_TEMPEST_KEEP:-0}" = 1 ]; then
        echo "tempest workspace kept: $work"
    else
        rm -rf "$work"
    fi
}

# The body runs in a subshell, so that its EXIT trap (which stops the server)
# leaves the caller's traps alone.
glint_tempest_run() (
    set -euo pipefail

    # pid, web_pid, log and work are plain (not local) so that the EXIT trap sees them.
    pid="" web_pid="" log="" work=""
    local root bin data url auth_url
    local admin_pw member_pw reader_pw alt_pw
    local conf_dir ws regex rc=0 started=$SECONDS web_port
    root=$(_glint_tempest_root)
    bin=${1:-${GLINT_BIN:-$root/target/debug/glint}}
    case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
    regex=${GLINT_TEMPEST_REGEX:-$_GLINT_TEMPEST_ALL}

    if [ ! -x "$bin" ]; then
        echo "glint binary not found: $bin (build it with: cargo build -p glint)" >&2
        return 1
    fi
    if [ -z "${GLINT_TEMPEST_PYTHON:-}" ] || [ ! -x "$GLINT_TEMPEST_PYTHON" ]; then
        glint_tempest_env || return 1
    fi
    local venv_bin
    venv_bin=$(dirname "$GLINT_TEMPEST_PYTHON")

    work=$(mktemp -d -t glint-tempest.XXXXXX) || return 1
    data=$work/data
    log=$work/glint.log

    trap _glint_tempest_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    admin_pw=$(_glint_tempest_secret)
    member_pw=$(_glint_tempest_secret)
    reader_pw=$(_glint_tempest_secret)
    alt_pw=$(_glint_tempest_secret)

    # web-download's source: a small qcow2 on a local HTTP server, the only place the
    # imports may fetch from (the server allows 127.0.0.1 and that port alone).
    mkdir -p "$work/www" || return 1
    qemu-img create -q -f qcow2 "$work/www/cirros.qcow2" 16M || return 1
    cp "$work/www/cirros.qcow2" "$work/www/cirros.img" || return 1
    web_port=$("$GLINT_TEMPEST_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || return 1
    _glint_tempest_clean_env "$GLINT_TEMPEST_PYTHON" -m http.server --bind 127.0.0.1 \
        --directory "$work/www" "$web_port" >"$work/www.log" 2>&1 &
    web_pid=$!

    echo "== starting glint ($bin) =="
    # Started through env directly (not a shell function), so that $! is the
    # server itself and the cleanup can stop it.
    local -a unset_args=()
    mapfile -t unset_args < <(_glint_tempest_unset_args)
    # tempest.conf says image_format_enforcement = false and uploads random bytes as
    # qcow2, vhd, …; the server must not refuse them (spec section 6), as devstack does.
    # Two local stores per region (under the run's data folder), so that the multi-store
    # classes run; the heavier one sorts first by id too, as tempest's waiters compare the
    # store list sorted by id while StoreWeightTest wants it by weight.
    env "${unset_args[@]}" GLINT_ADMIN_PASSWORD="$admin_pw" NO_COLOR=1 \
        GLINT__IMAGES__REQUIRE_FORMAT_MATCH=false \
        GLINT__STORAGE__STORES__FAST__DEFAULT=true \
        GLINT__STORAGE__STORES__FAST__WEIGHT=200 \
        GLINT__STORAGE__STORES__FAST__DESCRIPTION="Local disk, read first" \
        GLINT__STORAGE__STORES__SLOW__WEIGHT=100 \
        GLINT__STORAGE__STORES__SLOW__DESCRIPTION="Local disk, read second" \
        GLINT__WEB_DOWNLOAD__ALLOW_NETWORKS=127.0.0.1/32 \
        GLINT__WEB_DOWNLOAD__ALLOWED_PORTS="$web_port" \
        "$bin" serve --listen 127.0.0.1:0 --data-dir "$data" >"$log" 2>&1 &
    pid=$!

    # Port 0: the server picks a free port and prints it.
    url=""
    for _ in $(seq 1 300); do
        url=$(sed -n 's/.*serving on \(http:\/\/[0-9.]*:[0-9]*\).*/\1/p' "$log" | head -n 1)
        [ -n "$url" ] && break
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "glint exited before it was ready" >&2
            return 1
        fi
        sleep 0.1
    done
    if [ -z "$url" ]; then
        echo "glint printed no address within 30 s" >&2
        return 1
    fi
    auth_url=$url/identity/v3
    if ! "$GLINT_TEMPEST_PYTHON" - "$auth_url" <<'PY'
import sys, time, urllib.request
url = sys.argv[1]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
deadline = time.monotonic() + 30
while True:
    try:
        with opener.open(url, timeout=2) as r:
            if r.status == 200:
                break
    except Exception:
        pass
    if time.monotonic() > deadline:
        sys.exit("no 200 from %s within 30 s" % url)
    time.sleep(0.1)
PY
    then
        return 1
    fi
    echo "   glint ready at $url"

    echo "== creating the tempest accounts and users =="
    local -a glint_admin=(_glint_tempest_clean_env NO_COLOR=1 "$bin" --data-dir "$data")
    "${glint_admin[@]}" account create tempest-proj-a >/dev/null || return 1
    "${glint_admin[@]}" account create tempest-proj-b >/dev/null || return 1
    # Member in the owner's project: creates, uploads and shares images.
    printf '%s\n' "$member_pw" | "${glint_admin[@]}" user create tempest-member \
        --account tempest-proj-a --role member >/dev/null || return 1
    printf '%s\n' "$reader_pw" | "${glint_admin[@]}" user create tempest-reader \
        --account tempest-proj-a --role reader >/dev/null || return 1
    # Accepting or rejecting a share needs manager in the consumer account.
    printf '%s\n' "$alt_pw" | "${glint_admin[@]}" user create tempest-alt \
        --account tempest-proj-b --role manager >/dev/null || return 1
    echo "   tempest-proj-a: tempest-member (member), tempest-reader (reader)"
    echo "   tempest-proj-b: tempest-alt (manager)"
    echo "   admin: admin (admin)"

    echo "== writing tempest.conf and accounts.yaml =="
    conf_dir=$work/etc
    ws=$work/ws
    mkdir -p "$conf_dir" || return 1
    sed -e "s|@ADMIN_PASSWORD@|$admin_pw|" \
        -e "s|@MEMBER_PASSWORD@|$member_pw|" \
        -e "s|@READER_PASSWORD@|$reader_pw|" \
        -e "s|@ALT_PASSWORD@|$alt_pw|" \
        "$root/tests/conformance/accounts.yaml.in" >"$conf_dir/accounts.yaml" || return 1
    sed -e "s|@AUTH_URL@|$auth_url|" \
        -e "s|@HTTP_IMAGES@|http://127.0.0.1:$web_port|" \
        -e "s|@ACCOUNTS_FILE@|$ws/etc/accounts.yaml|" \
        "$root/tests/conformance/tempest.conf.in" >"$conf_dir/tempest.conf" || return 1
    # tempest init copies etc/ into the workspace and adds lock and log paths;
    # its workspace registry stays in the temporary folder too.
    _glint_tempest_clean_env "$venv_bin/tempest" init --config-dir "$conf_dir" \
        --workspace-path "$work/workspaces.yaml" "$ws" >"$work/init.log" 2>&1 || {
        cat "$work/init.log" >&2
        return 1
    }

    echo "== tempest run --concurrency 1 --regex '$regex' (no exclusions) =="
    (
        cd "$ws"
        _glint_tempest_clean_env PATH="$venv_bin:$PATH" "$venv_bin/tempest" run \
            --config-file "$ws/etc/tempest.conf" \
            --concurrency 1 \
            --regex "$regex"
    ) 2>&1 | tee "$work/run.log" || rc=$?

    local ran passed skipped failed
    ran=$(sed -n 's/^Ran: \([0-9]*\) tests.*/\1/p' "$work/run.log" | tail -n 1)
    passed=$(sed -n 's/^ - Passed: \([0-9]*\).*/\1/p' "$work/run.log" | tail -n 1)
    skipped=$(sed -n 's/^ - Skipped: \([0-9]*\).*/\1/p' "$work/run.log" | tail -n 1)
    failed=$(sed -n 's/^ - Failed: \([0-9]*\).*/\1/p' "$work/run.log" | tail -n 1)

    echo
    echo "== tempest summary =="
    if grep -q 'SKIPPED' "$work/run.log"; then
        echo "skipped:"
        sed -n 's/^{[0-9]*} \(.*\) \.\.\. SKIPPED: \(.*\)$/  \1: \2/p' "$work/run.log" |
            sed 's/ \[[0-9.]*s\]//'
    fi
    if grep -q '\.\.\. FAILED' "$work/run.log"; then
        echo "failed:"
        sed -n 's/^{[0-9]*} \(.*\) \.\.\. FAILED$/  \1/p' "$work/run.log" |
            sed 's/ \[[0-9.]*s\]//'
    fi
    echo "ran ${ran:-0} tests in $((SECONDS - started))s"
    echo "tempest: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"

    if [ "$rc" -ne 0 ]; then
        echo "tempest run failed (exit $rc)" >&2
        return "$rc"
    fi
    if [ "${passed:-0}" -eq 0 ] || [ "${failed:-0}" -ne 0 ]; then
        echo "tempest passed no test or reported failures" >&2
        return 1
    fi
    # The whole suite must keep passing what it passes now: a feature that stops being
    # advertised turns its tests into skips, which a failure count alone would not notice.
    if [ "$regex" = "$_GLINT_TEMPEST_ALL" ] && [ "${passed:-0}" -lt "$_GLINT_TEMPEST_MIN_PASSED" ]; then
        echo "tempest passed ${passed:-0} tests; the whole suite passes at least $_GLINT_TEMPEST_MIN_PASSED" >&2
        return 1
    fi
    return 0
)
