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
# The reference's tools are found at $GLINT_REFERENCE_TOOLS, else ../shared/tools/
# reference-glance beside the repository (as on CI); it is installed into
# $GLINT_REFERENCE_DIR (default target/reference-glance). Results: target/bench/results.md
# and target/bench/scale.svg.

_glint_bench_root() {
    local here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd)
}

# Pre-creates the reference's venv with uWSGI from pyuwsgi's binary wheels (about 2 minutes,
# against 7 for setup's compiling uWSGI), pinned like setup's; setup then finds its venv
# complete by its stamp and only writes its configuration. When anything here fails (no
# wheel for this platform, another stamp format), setup installs the venv its own way.
# GLINT_BENCH_PYUWSGI=0 skips it.
_glint_bench_prefill_venv() {
    local tools=$1 dir=$2 python=$3 version constraints want
    if [ "${GLINT_BENCH_PYUWSGI:-1}" = 0 ] || [ -x "$dir/venv/bin/uwsgi" ]; then
        return 0
    fi
    version=$(sed -n 's/^GLANCE_VERSION=//p' "$tools/setup")
    if [ -z "$version" ] || [ ! -f "$tools/constraints.txt" ]; then
        return 0
    fi
    want="glance==$version $(cksum <"$tools/constraints.txt" | cut -d' ' -f1)"
    constraints=$(mktemp)
    grep -vi '^uwsgi==' "$tools/constraints.txt" >"$constraints"
    echo "== the reference's venv with pyuwsgi wheels (pip) =="
    if "$python" -m venv "$dir/venv" &&
        "$dir/venv/bin/pip" install --disable-pip-version-check -q -c "$constraints" \
            "glance==$version" "pyuwsgi==2.0.30.post1" &&
        [ -x "$dir/venv/bin/uwsgi" ]; then
        echo "$want" >"$dir/venv/.reference-glance-stamp"
    else
        echo "pyuwsgi did not install; setup compiles uWSGI instead" >&2
        rm -rf "$dir/venv"
    fi
    rm -f "$constraints"
}

# Installs what the reference's setup compiles with (root on Debian only), then runs setup,
# which installs the reference when missing and takes about a second when it is there.
glint_bench_reference() {
    local root tools dir python include
    root=$(_glint_bench_root)
    tools=${GLINT_REFERENCE_TOOLS:-$root/../shared/tools/reference-glance}
    dir=${GLINT_REFERENCE_DIR:-$root/target/reference-glance}
    if [ ! -x "$tools/setup" ]; then
        echo "the reference's tools are not at $tools: set GLINT_REFERENCE_TOOLS" >&2
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
    mkdir -p "$dir"
    _glint_bench_prefill_venv "$tools" "$dir" "$python"
    (cd "$(dirname "$dir")" && "$tools/setup" "$dir")
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
