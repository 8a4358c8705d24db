#!/usr/bin/env bash
# The one command for the demo on a fresh Debian machine with Python 3.11:
#     bash tools/demo.sh [--workspace DIR]
# Creates .venv (installing python3-venv with apt-get if the machine lacks it), installs
# orderexchange into it and runs `orderexchange demo`: SQLite state store, two SQLite supplier
# shops, .eml files as the outbox. Needs no database or mail server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        SUDO=(); [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
        "${SUDO[@]}" apt-get update -qq
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    fi
    "$PYTHON" -m venv .venv
fi
log="$(mktemp)"
if ! .venv/bin/python -m pip install -q --disable-pip-version-check -e . >"$log" 2>&1; then
    cat "$log" >&2; exit 1
fi
rm -f "$log"
exec .venv/bin/orderexchange demo "$@"
