# shellcheck shell=bash disable=SC2034
# What setup, start, stop and reset share: the instance folder, its layout, and how to tell
# our own uWSGI processes from any other. Sourced, not run.

GLANCE_VERSION=33.0.0
REFERENCE_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ref_dir ARG NAME: the instance folder from the first argument, by default the repository's
# target/reference-glance, made absolute; sets REF_DIR and the paths below it.
ref_dir() {
    local given=${1:-} name=$2
    if [ -z "$given" ]; then
        given=$(cd "$REFERENCE_TOOLS/../.." && pwd)/target/reference-glance
    fi
    case "$given" in
    *[[:space:]]*)
        echo "$name: the folder's path may not contain white space: '$given'" >&2
        exit 2
        ;;
    esac
    if [ -d "$given" ]; then
        REF_DIR=$(cd "$given" && pwd)
    else
        case "$given" in
        /*) REF_DIR=$given ;;
        *) REF_DIR=$PWD/$given ;;
        esac
    fi
    REF_VENV=$REF_DIR/venv
    REF_ETC=$REF_DIR/etc
    REF_RUN=$REF_DIR/run
    REF_LOGS=$REF_DIR/logs
    REF_INI=$REF_ETC/uwsgi.ini
    REF_PIDFILE=$REF_RUN/uwsgi.pid
    REF_DB=$REF_DIR/glance.sqlite
    REF_NAME=$name
}

# say TEXT: one progress line on stderr (stdout is kept for what a caller reads, the pid).
say() {
    printf '%s [%3ds] %s\n' "$REF_NAME" "$SECONDS" "$*" >&2
}

# ref_ours PID: PID is alive and runs this folder's uWSGI configuration (so a pid file left
# behind and a pid the kernel has given to another program since are both told apart).
ref_ours() {
    local args
    [ -r "/proc/$1/cmdline" ] || return 1
    args=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
    case "$args" in
    *"$REF_INI"*) return 0 ;;
    *) return 1 ;;
    esac
}

# ref_pid: the master's pid from the pid file when that process is ours, else nothing.
ref_pid() {
    local pid
    pid=$(cat "$REF_PIDFILE" 2>/dev/null) || return 1
    case "$pid" in '' | *[!0-9]*) return 1 ;; esac
    ref_ours "$pid" || return 1
    echo "$pid"
}

# ref_tree PID: PID and all its descendants that are ours, one a line.
ref_tree() {
    local pid=$1 child
    ref_ours "$pid" && echo "$pid"
    # shellcheck disable=SC2013 # the children files hold pids separated by spaces
    for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
        ref_tree "$child"
    done
}
