#!/usr/bin/env bash
# Set up and run the whole test suite - the one command for a fresh Debian/Ubuntu
# machine with Python 3.11+:
#
#     bash tools/test.sh [pytest arguments...]
#
# 1. Installs the MariaDB and PostgreSQL *server binaries* (and OpenSSH server) with apt-get if they are
#    missing (sudo when not root).  The system services are not started: the test
#    session starts its own throwaway servers on free ports (tests/servers.py).
# 2. Creates .venv if missing and installs the project with its `test` extra
#    (again only when pyproject.toml changed since the last install).
# 3. Runs `.venv/bin/python -m pytest -n N "$@"` and exits with its status: N pytest-xdist
#    workers, one per core and one more, up to 4 (each starts its own throwaway servers).
#    A later `-n 0` in the arguments runs in one process (e.g. to debug with --pdb).
#
# Environment: PYTHON (interpreter for a new .venv, default python3);
#              OX_TEST_WORKERS (pytest-xdist workers instead of cores + 1 up to 4).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"

say() { printf 'tools/test.sh: %s\n' "$*" >&2; }

on_path_or_sbin() {
    command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/local/sbin/$1" ] \
        || [ -x "/sbin/$1" ]
}

have_mariadb() { on_path_or_sbin mariadbd && on_path_or_sbin mariadb-install-db; }

have_postgres() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && return 0
    done
    command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1
}

have_venv_support() {
    command -v "$PYTHON" >/dev/null 2>&1 && "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1
}

# --- 1. system packages ---------------------------------------------------------
pkgs=()
have_mariadb || pkgs+=(mariadb-server)
have_postgres || pkgs+=(postgresql)
command -v tmux >/dev/null 2>&1 || pkgs+=(tmux)  # the menu tests run it in a real terminal
# the SSH-tunnel tests run a throwaway sshd and make keys with ssh-keygen
on_path_or_sbin sshd || pkgs+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || pkgs+=(openssh-client)
# the PDF tests embed a Unicode TrueType font (names like Łukasz Żółć)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || pkgs+=(fonts-dejavu-core)
if [ ! -x .venv/bin/python ] && ! have_venv_support; then
    pkgs+=(python3 python3-venv)
fi

if [ "${#pkgs[@]}" -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        say "please install: ${pkgs[*]} (no apt-get on this machine)"
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        say "need root or sudo to install: ${pkgs[*]}"
        exit 1
    fi
    say "installing ${pkgs[*]} (apt-get)"
    # Keep apt from starting the system database services: the tests run their own.
    policy=/usr/sbin/policy-rc.d
    added_policy=no
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# added by tools/test.sh during apt-get install\nexit 101\n' \
            | "${SUDO[@]}" tee "$policy" >/dev/null
        "${SUDO[@]}" chmod 755 "$policy"
        added_policy=yes
        trap '"${SUDO[@]}" rm -f "$policy"' EXIT
    fi
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
    if [ "$added_policy" = yes ]; then
        "${SUDO[@]}" rm -f "$policy"
        trap - EXIT
    fi
fi

# --- 2. virtual environment -----------------------------------------------------
if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        say "$PYTHON is $("$PYTHON" -V 2>&1); Python 3.11 or newer is needed (set PYTHON=...)"
        exit 1
    fi
    say "creating .venv"
    "$PYTHON" -m venv .venv
fi

stamp=.venv/.orderexchange-test-install
if [ ! -f pyproject.toml ]; then
    say "no pyproject.toml in $(pwd)"
    exit 1
fi
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing the project and its test dependencies into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
    printf '%s\n' "$want" >"$stamp"
fi

# --- 3. tests ---------------------------------------------------------------------
# Why in parallel: most of a test's time is a shop's or store's server answering, or a child
# process starting; on 2 cores two workers took the suite from ~16 to ~7.5 minutes.  Why one
# worker more than cores: the kill -9 tests sleep while their child starts and sends (a random
# moment to kill it), about a fifth of the suite's time, and a core idles meanwhile; on 2 cores
# the same tree took 446 s with two workers and 392 s with three (2026-12-08, one run each).
# Why at most 4: each worker runs its own mariadbd and PostgreSQL.
workers="${OX_TEST_WORKERS:-}"
if [ -z "$workers" ]; then
    workers="$(( $(nproc 2>/dev/null || echo 1) + 1 ))"
    [ "$workers" -gt 4 ] && workers=4
fi
exec .venv/bin/python -m pytest -n "$workers" "$@"
