# shellcheck shell=bash
# The Control Panel's browser tests: Playwright (npm playwright-core) driving Debian's Chromium
# headless against a real `glint serve` that the runner starts on a free port with a temporary
# data folder. Screenshots of every page and dialog land in docs/screenshots/.
#
# Source this file, then:
#   glint_browser_env        # installs chromium (apt) when /usr/bin/chromium is missing, Node.js
#                            # when node is missing, and runs `npm ci` in tests/browser
#   glint_browser_run BIN    # runs the tests against the glint binary BIN; prints "N passed, N failed"
#
# Or run it alone (builds target/debug/glint when GLINT_BIN is not set):
#   bash scripts/lib/browser.sh

_glint_browser_root() {
    local here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd)
}

_glint_browser_apt() {
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "cannot install $*: run as root on Debian, or install it yourself" >&2
        return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "$@" >/dev/null
}

glint_browser_env() {
    local root
    root=$(_glint_browser_root)
    if [ ! -x /usr/bin/chromium ]; then
        echo "== installing chromium (apt-get) =="
        _glint_browser_apt chromium fonts-liberation
    fi
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        echo "== installing Node.js (apt-get) =="
        _glint_browser_apt nodejs npm
    fi
    local major
    major=$(node -p 'process.versions.node.split(".")[0]')
    if [ "$major" -lt 20 ]; then
        echo "playwright-core needs Node.js 20 or newer; this machine has $(node --version)" >&2
        return 1
    fi
    echo "== npm ci (tests/browser) =="
    (cd "$root/tests/browser" && npm ci --no-audit --no-fund --loglevel=error)
}

glint_browser_run() {
    local bin=${1:?usage: glint_browser_run GLINT_BINARY} root
    root=$(_glint_browser_root)
    GLINT_BIN=$bin node "$root/tests/browser/run.js"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    ROOT=$(_glint_browser_root)
    cd "$ROOT"
    if [ -z "${GLINT_BIN:-}" ]; then
        if ! command -v cargo >/dev/null 2>&1 && [ -x "${HOME:-}/.cargo/bin/cargo" ]; then
            export PATH="$HOME/.cargo/bin:$PATH"
        fi
        echo "== cargo build -p glint =="
        cargo build -p glint
        GLINT_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/glint"
    fi
    glint_browser_env
    glint_browser_run "$GLINT_BIN"
fi
