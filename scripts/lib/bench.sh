# shellcheck shell=bash source-path=SCRIPTDIR
# Benchmarks: Glint against the reference Image service side by side, and Glint's lists at
# scale on SQLite and PostgreSQL (docs/BENCHMARKS.md).
#
# Run it:     bash scripts/lib/bench.sh all        # the full run (about 30 min on 2 cores)
#             bash scripts/lib/bench.sh all --quick
# Or source this file, then:
#   glint_bench ARGS...   # build glint and glint-bench (release; GLINT_BENCH_PROFILE=debug for
#                         # the debug build), install the reference if
#                         # missing, start a throwaway PostgreSQL unless GLINT_TEST_DATABASE_URL
#                         # is set, and run glint-bench ARGS (all | compare | scale, --quick, …)
#   glint_bench_smoke     # glint_bench all --quick on the debug build: the test command's smoke
#                         # test (it checks that everything runs and that Glint answers every
#                         # request, not the figures; non-zero exit otherwise)
#
# The reference is installed and run by the scripts in scripts/reference-glance (setup, start,
# stop, reset; $GLINT_REFERENCE_TOOLS names another folder with the same four), into
# $GLINT_REFERENCE_DIR (default target/reference-glance). Results: target/bench/results.md
# and target/bench/scale.svg.

_glint_bench_root() {
    local here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd)
}

# Installs what the reference's setup needs to make a virtualenv and, should no pyuwsgi wheel
# install, to compile uWSGI (root on Debian only), then runs setup, which installs the
# reference when missing and takes about a second when it is there. GLINT_BENCH_PYUWSGI=0
# has setup compile uWSGI instead of taking pyuwsgi's wheels (GLANCE_UWSGI=source).
glint_bench_reference() {
    local root tools dir python include
    root=$(_glint_bench_root)
    tools=${GLINT_REFERENCE_TOOLS:-$root/scripts/reference-glance}
    dir=${GLINT_REFERENCE_DIR:-$root/target/reference-glance}
    if [ ! -x "$tools/setup" ]; then
        echo "no executable setup in $tools (GLINT_REFERENCE_TOOLS)" >&2
        return 1
    fi
    python=${PYTHON:-python3}
    include=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null || true)
    if { [ ! -f "$include/Python.h" ] || ! command -v gcc >/dev/null 2>&1 ||
        ! "$python" -c 'import ensurepip' >/dev/null 2>&1; } &&
        [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing gcc, python3-dev and python3-venv for the reference (apt-get) =="
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq gcc python3-dev python3-venv >/dev/null
    fi
    if [ "${GLINT_BENCH_PYUWSGI:-1}" = 0 ]; then
        GLANCE_UWSGI=source PYTHON=$python "$tools/setup" "$dir" || return 1
    else
        PYTHON=$python "$tools/setup" "$dir" || return 1
    fi
    GLINT_BENCH_TOOLS=$tools
    GLINT_BENCH_REFERENCE=$dir
}

glint_bench() {
    local root target rc=0 own_pg=0 profile
    root=$(_glint_bench_root)
    target=${CARGO_TARGET_DIR:-$root/target}
    profile=${GLINT_BENCH_PROFILE:-release}
    echo "== building glint and glint-bench ($profile) =="
    if [ "$profile" = release ]; then
        (cd "$root" && cargo build --release -p glint -p glint_bench) || return 1
    else
        (cd "$root" && cargo build -p glint -p glint_bench) || return 1
    fi
    echo "== the reference implementation =="
    glint_bench_reference || return 1
    if [ -z "${GLINT_TEST_DATABASE_URL:-}" ] && [ "${GLINT_BENCH_POSTGRES:-1}" != 0 ]; then
        # shellcheck source=postgres.sh
        source "$root/scripts/lib/postgres.sh"
        glint_pg_start || return 1
        own_pg=1
    fi
    "$target/$profile/glint-bench" --reference-tools "$GLINT_BENCH_TOOLS" \
        --reference-dir "$GLINT_BENCH_REFERENCE" "$@" || rc=$?
    if [ "$own_pg" -eq 1 ]; then
        glint_pg_stop
    fi
    return "$rc"
}

glint_bench_smoke() {
    local started=$SECONDS rc=0
    # The debug build the test command has already made: a release build from a clean clone
    # takes about 17 minutes here, the debug one a minute on top of the tests'.
    GLINT_BENCH_PROFILE=${GLINT_BENCH_PROFILE:-debug} glint_bench all --quick || rc=$?
    echo "== glint-bench smoke test: exit $rc after $((SECONDS - started))s (build included) =="
    return "$rc"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    glint_bench "$@"
fi
