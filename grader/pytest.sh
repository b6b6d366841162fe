#!/bin/sh
# Runs pytest with the first Python that can import it: `make grade` and `make test`
# go through here. Set PYTHON to choose the interpreter. Exit 4: no pytest found.
set -eu

# The first python3 on PATH is not always the one with pytest: a pyenv or venv
# interpreter often shadows the system's, so each candidate is asked in turn.
candidates="python3 /usr/bin/python3 python"
case $(uname -s 2>/dev/null || echo unknown) in
    # Homebrew's pytest formula lives in its own virtualenv, not in brew's python3.
    Darwin)
        candidates="$candidates /opt/homebrew/bin/python3 /usr/local/bin/python3"
        candidates="$candidates /opt/homebrew/opt/pytest/libexec/bin/python"
        candidates="$candidates /usr/local/opt/pytest/libexec/bin/python" ;;
    MINGW* | MSYS*) candidates="$candidates /ucrt64/bin/python" ;;
esac

# MSYS2 rewrites the arguments of a Windows program it starts when they look like POSIX
# paths: a node ID (grader/test_lab01_wsastartup.py::test_wsainfo_default) is taken for
# a path list and reaches pytest as grader\test_lab01_wsastartup.py;test_wsainfo_default,
# which selects nothing. Python is the Windows program this script starts, so its
# arguments go to it as typed (Windows' Python reads grader/x.py as a path itself).
# Only Python's: the kit's tests drop the variable again before they run make.
PYTEST_ENV="MSYS2_ARG_CONV_EXCL=*"

has_pytest() {
    "$1" -c 'import pytest' >/dev/null 2>&1
}

# The grader's model tests need Hypothesis too: a Python that has both comes first.
# One that has pytest alone still runs, and the grader says what is missing.
has_both() {
    "$1" -c 'import pytest, hypothesis' >/dev/null 2>&1
}

# KIT_JOBS=N (make grade sets it): N tests at a time, with pytest-xdist, where this
# Python has it and the arguments do not choose already; one at a time otherwise.
# jobs_args PY ARGS...: prints the options that add.
jobs_args() {
    py=$1
    shift
    case ${KIT_JOBS:-1} in '' | 0 | 1 | *[!0-9]*) return 0 ;; esac
    for a in "$@"; do
        case $a in -n | -n[0-9]* | -nauto | --numprocesses* | no:xdist | --pdb | -s) return 0 ;; esac
    done
    if "$py" -c 'import xdist' >/dev/null 2>&1; then echo "-n $KIT_JOBS"; fi
}

# PYTHON may be a path with spaces, so it is tried on its own, before the list.
if [ -n "${PYTHON:-}" ] && has_pytest "$PYTHON"; then
    # shellcheck disable=SC2046 # the options are words: -n N, or nothing
    exec env "$PYTEST_ENV" "$PYTHON" -m pytest -p no:cacheprovider $(jobs_args "$PYTHON" "$@") "$@"
fi
for py in $candidates; do
    if has_both "$py"; then
        # shellcheck disable=SC2046 # the options are words: -n N, or nothing
        exec env "$PYTEST_ENV" "$py" -m pytest -p no:cacheprovider $(jobs_args "$py" "$@") "$@"
    fi
done
for py in $candidates; do
    if has_pytest "$py"; then
        # no:cacheprovider: no .pytest_cache written into the kit's tree.
        # shellcheck disable=SC2046 # the options are words: -n N, or nothing
        exec env "$PYTEST_ENV" "$py" -m pytest -p no:cacheprovider $(jobs_args "$py" "$@") "$@"
    fi
done

{
    if [ -n "${PYTHON:-}" ]; then
        echo "grader: PYTHON=$PYTHON cannot import pytest, and no other Python can."
    else
        echo "grader: no Python that can import pytest (tried: $candidates)."
    fi
    echo "  Install pytest, then try again:"
    echo "    Debian/Ubuntu:  sudo apt-get install python3-pytest   (or: make setup)"
    echo "    MSYS2 UCRT64:   pacman -S mingw-w64-ucrt-x86_64-python-pytest   (or: make setup)"
    echo "    macOS:          brew install pytest   (or: make setup)"
    echo "  Or set PYTHON to an interpreter that has it: make grade PYTHON=/path/to/python3"
} >&2
exit 4
