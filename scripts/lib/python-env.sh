# shellcheck shell=bash
# Python virtualenv with the real OpenStack clients for the end-to-end tests.
#
# Source this file, then call glint_python_env. It creates target/e2e-venv
# (again whenever tests/e2e/requirements.txt or the Python version changes),
# installs tests/e2e/requirements.txt into it, puts its bin/ first on PATH and
# exports GLINT_E2E_PYTHON (the venv's python).

_glint_repo_root() {
    local here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd)
}

# glint_venv DIR REQUIREMENTS LABEL: a virtualenv at DIR (under the repo root) with
# REQUIREMENTS installed, made again whenever that file or the Python version changes.
glint_venv() {
    local root venv req label stamp want python
    root=$(_glint_repo_root)
    venv=$root/$1
    req=$root/$2
    label=$3
    stamp=$venv/.requirements.sha256
    python=${GLINT_PYTHON:-python3}

    if ! command -v "$python" >/dev/null 2>&1; then
        echo "no $python on PATH; $label needs Python 3" >&2
        return 1
    fi

    want=$( { sha256sum "$req" | cut -d' ' -f1; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)

    if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        echo "== $label already installed in $1 =="
        return 0
    fi
    echo "== installing $label into $1 (first run takes a minute) =="
    rm -rf "$venv"
    mkdir -p "$root/target"
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
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    echo "   pip install -r $2"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    printf '%s\n' "$want" >"$stamp"
}

glint_python_env() {
    local venv
    glint_venv target/e2e-venv tests/e2e/requirements.txt "the real OpenStack clients"
    venv=$(_glint_repo_root)/target/e2e-venv
    export GLINT_E2E_PYTHON=$venv/bin/python
    export PATH="$venv/bin:$PATH"
    echo "   $("$venv/bin/openstack" --version 2>&1), $("$venv/bin/pytest" --version 2>&1)"
}
