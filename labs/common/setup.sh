#!/bin/sh
# Installs what the kit needs for TARGET (native or mingw): apt-get on Debian/Ubuntu,
# pacman in MSYS2 UCRT64, brew on macOS. Installs only what is missing, so it is safe
# to run again. Exit codes: 0 ready, 1 unsupported system or wrong shell, 2 an
# install command failed.
set -eu

target=${1:-native}

say() { printf 'setup: %s\n' "$*"; }
die() { code=$1; shift; printf 'setup: %s\n' "$*" >&2; exit "$code"; }

# run CMD...: show and run CMD; exit 2 naming it if it fails.
run() {
    echo "  + $*"
    "$@" || die 2 "this command failed: $*"
}

# as_root CMD...: run CMD as root, through sudo when we are not root.
as_root() {
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then set -- sudo "$@"; fi
    run "$@"
}

# --- Debian and Ubuntu ------------------------------------------------------------
APT_PKGS="build-essential make pkg-config check patch python3 python3-pytest"
APT_PKGS="$APT_PKGS python3-pytest-xdist python3-pytest-timeout"
# The grader's model tests generate and shrink their cases with Hypothesis.
APT_PKGS="$APT_PKGS python3-hypothesis"
# Peers nobody here wrote, for the interoperability tests of `make test`.
APT_PKGS="$APT_PKGS socat ncat curl"
# make test runs the reference programs under valgrind (Linux only); the grader reads
# its reports, so a student can use it too.
APT_PKGS="$APT_PKGS valgrind"
# make grade SANDBOX=1 and the instructor's tools grade behind the boundary that
# bubblewrap makes (docs/grading.md, "The boundary").
APT_PKGS="$APT_PKGS bubblewrap"
APT_DIR=/etc/apt

deb_installed() {
    # shellcheck disable=SC2016 # ${Status} is dpkg-query's field, not a shell variable
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# A `deb-src` line, or a deb822 stanza whose Types has deb-src. apt reads only
# *.list and *.sources in sources.list.d.
has_deb_src() {
    cat "$APT_DIR/sources.list" "$APT_DIR"/sources.list.d/*.list \
        "$APT_DIR"/sources.list.d/*.sources 2>/dev/null |
        grep -Eq '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)'
}

# The mingw target builds Check from Debian's source package (`apt-get source check`),
# which needs deb-src entries. Copies only the distribution's own entries: third-party
# repositories often publish no sources, and `apt-get update` would then fail.
add_deb_src() {
    tmp=$(mktemp)
    for f in "$APT_DIR/sources.list.d/debian.sources" "$APT_DIR/sources.list.d/ubuntu.sources"; do
        [ -f "$f" ] || continue
        # Each blank-line-separated stanza whose Types is `deb`, retyped as deb-src.
        awk 'function flush() { if (keep) printf "%s\n", buf; buf = ""; keep = 0 }
             /^[ \t]*$/ { flush(); next }
             $1 == "Types:" && $2 == "deb" && NF == 2 { $0 = "Types: deb-src"; keep = 1 }
             { buf = buf $0 "\n" }
             END { flush() }' "$f" >"$tmp"
        dest=$APT_DIR/sources.list.d/labkit-src.sources
        break
    done
    if [ ! -s "$tmp" ] && [ -f "$APT_DIR/sources.list" ]; then
        sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$APT_DIR/sources.list" >"$tmp"
        dest=$APT_DIR/sources.list.d/labkit-src.list
    fi
    if [ ! -s "$tmp" ]; then
        rm -f "$tmp"
        die 1 "no deb-src entry, and no Debian/Ubuntu entry to copy one from: add one by hand."
    fi
    chmod 644 "$tmp"
    say "adding deb-src entries in $dest, for 'apt-get source check'"
    as_root cp "$tmp" "$dest"
    rm -f "$tmp"
}

setup_apt() {
    pkgs=$APT_PKGS
    if [ "$target" = mingw ]; then pkgs="$pkgs mingw-w64 wine64"; fi
    missing=
    for p in $pkgs; do deb_installed "$p" || missing="$missing $p"; done
    src_added=no
    if [ "$target" = mingw ] && ! has_deb_src; then add_deb_src; src_added=yes; fi
    if [ -z "$missing" ] && [ $src_added = no ]; then
        say "already installed: $pkgs"
    else
        as_root apt-get update
    fi
    if [ -n "$missing" ]; then
        say "installing:$missing"
        # shellcheck disable=SC2086 # one word per package
        # With recommends: Wine without them is a configuration the kit is not tested on.
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
    fi
    if [ "$target" = mingw ]; then setup_wine_preloader; fi
}

# Wine's preloader reserves the addresses a Windows process needs before anything else
# is loaded; without it a program now and then fails to start (docs/platform-differences.md).
# Debian and Ubuntu package it apart from wine64, and only suggest it.
WINE_PRELOADER=/usr/lib/wine/wine64-preloader
setup_wine_preloader() {
    [ ! -e "$WINE_PRELOADER" ] || return 0
    apt-cache show wine64-preloader >/dev/null 2>&1 || as_root apt-get update
    if apt-cache show wine64-preloader >/dev/null 2>&1; then
        say "installing: wine64-preloader"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y wine64-preloader
    fi
    [ -e "$WINE_PRELOADER" ] ||
        die 1 "Wine's preloader ($WINE_PRELOADER) is still missing, and apt has no wine64-preloader package: install Wine with its preloader by hand."
}

# --- MSYS2 ------------------------------------------------------------------------
UCRT=mingw-w64-ucrt-x86_64
# python-hypothesis: the grader's model tests generate and shrink their cases with it.
PACMAN_PKGS="$UCRT-gcc $UCRT-check $UCRT-pkgconf $UCRT-python $UCRT-python-pytest $UCRT-python-hypothesis make patch"

# wrong_shell: why the shell this runs in cannot build the kit, or nothing when it is
# MSYS2 UCRT64. Each MSYS2 shell (MSYSTEM) puts its own gcc and python first on PATH,
# and only UCRT64's build the Windows programs the kit grades, with the C runtime
# (UCRT) the grader expects.
wrong_shell() {
    if [ -z "${MSYSTEM:-}" ]; then
        echo "this was started outside MSYS2's shells (from cmd, PowerShell or an editor's terminal), so MSYSTEM is not set."
        return
    fi
    command -v pacman >/dev/null 2>&1 ||
        { echo "this shell has no pacman, so it is not MSYS2 (Git for Windows' Git Bash, perhaps)."; return; }
    case $MSYSTEM in
        UCRT64) ;;
        MSYS) echo "this is the MSYS shell: its gcc builds programs for MSYS2's own POSIX layer, not Windows programs." ;;
        MINGW64 | MINGW32) echo "this is the $MSYSTEM shell: it builds with the older C runtime (msvcrt) and has its own gcc and Python, not the kit's." ;;
        CLANG64 | CLANGARM64 | CLANG32) echo "this is the $MSYSTEM shell: it builds with clang and has its own Python, not the kit's." ;;
        *) echo "this is the $MSYSTEM shell, not UCRT64." ;;
    esac
}

# The way into the right shell, whichever one this is.
UCRT64_HOW="  The kit needs the MSYS2 UCRT64 shell: open 'MSYS2 UCRT64' from the Start menu
  (or run C:\\msys64\\ucrt64.exe), cd to the kit (C:\\Users\\you\\kit is /c/Users/you/kit
  there), and run 'make setup' again. docs/setup-windows.md shows each step."

# off_ucrt64 TOOL: says so when TOOL is not UCRT64's (another gcc or python first on PATH).
off_ucrt64() {
    where=$(command -v "$1" 2>/dev/null) || return 0
    case $where in
        */ucrt64/bin/*) ;;
        *) say "warning: '$1' here is $where, not UCRT64's (/ucrt64/bin/$1): put /ucrt64/bin first on PATH." ;;
    esac
}

setup_msys2() {
    [ "$target" = native ] ||
        die 1 "TARGET=mingw is for Linux. Here TARGET=native already builds Windows programs: run 'make setup'."
    why=$(wrong_shell)
    [ -z "$why" ] || die 1 "$why
$UCRT64_HOW"
    missing=
    for p in $PACMAN_PKGS; do pacman -Q "$p" >/dev/null 2>&1 || missing="$missing $p"; done
    if [ -z "$missing" ]; then
        say "already installed: $PACMAN_PKGS"
    else
        say "installing:$missing"
        # shellcheck disable=SC2086 # one word per package
        pacman -S --needed --noconfirm $missing ||
            die 2 "pacman could not install:$missing. Update MSYS2 first ('pacman -Syu', twice if it asks to close the window), then run make setup again."
    fi
    off_ucrt64 gcc
    off_ucrt64 python3
    return 0
}

# --- macOS ------------------------------------------------------------------------
BREW_PKGS="check pkg-config pytest"

setup_brew() {
    [ "$target" = native ] ||
        die 1 "TARGET=mingw is supported on Linux only (it runs the programs under Wine). Use TARGET=native."
    command -v brew >/dev/null 2>&1 ||
        die 1 "Homebrew is needed: install it as https://brew.sh says, then run make setup again."
    missing=
    for p in $BREW_PKGS; do brew list --versions "$p" >/dev/null 2>&1 || missing="$missing $p"; done
    if [ -z "$missing" ]; then
        say "already installed: $BREW_PKGS"
    else
        say "installing:$missing"
        # shellcheck disable=SC2086 # one word per package (and no sudo: brew refuses root)
        run brew install $missing
    fi
    brew_hypothesis
}

# Homebrew has no formula for Hypothesis, which the grader's model tests need: it goes
# into the Python of the pytest formula (a virtual environment of its own, which the
# grader runs), with that Python's pip.
brew_hypothesis() {
    py=$(brew --prefix pytest)/libexec/bin/python
    if "$py" -c 'import hypothesis' >/dev/null 2>&1; then
        say "already installed: hypothesis (in $py)"
        return 0
    fi
    say "installing: hypothesis (pip, into $py)"
    "$py" -m pip --version >/dev/null 2>&1 || run "$py" -m ensurepip
    run "$py" -m pip install hypothesis
}

case $target in native | mingw) ;; *) die 1 "TARGET must be native or mingw, not '$target'." ;; esac

system=$(uname -s 2>/dev/null || echo unknown)
# Windows sets OS for every process, even where MSYS2's uname is not on PATH.
if [ "$system" = unknown ] && [ "${OS:-}" = Windows_NT ]; then system=MSYS; fi
case $system in
    MINGW* | MSYS*) setup_msys2 ;;
    CYGWIN*) die 1 "Cygwin is not supported: install MSYS2 and use its 'MSYS2 UCRT64' shell." ;;
    Darwin) setup_brew ;;
    *)
        command -v apt-get >/dev/null 2>&1 ||
            die 1 "no apt-get, pacman or brew on this $system system. Install by hand: a C" \
                "compiler, GNU make, pkg-config, Check, patch, and Python 3 with pytest and Hypothesis."
        setup_apt ;;
esac
say "ready (TARGET=$target)"
