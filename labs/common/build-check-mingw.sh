#!/bin/sh
# Builds Check for x86_64-w64-mingw32 from Debian's source package into PREFIX
# (under build/). Needs a deb-src entry: `make setup TARGET=mingw` adds one.
set -eu
prefix=$1
work=$(dirname "$prefix")/check-src
mkdir -p "$work"
prefix=$(cd "$(dirname "$prefix")" && pwd)/$(basename "$prefix")

cd "$work"
if ! ls check_*.orig.tar.gz >/dev/null 2>&1; then
    echo "  GET     Check's Debian source package"
    if ! apt-get source --download-only check >apt.log 2>&1; then
        cat apt.log >&2
        echo "build-check-mingw: could not fetch Check's source package." >&2
        echo "  Run 'make setup TARGET=mingw' (it adds a deb-src entry), then try again." >&2
        exit 2
    fi
fi
src=$(ls -d check-*/ 2>/dev/null | head -n 1)
if [ -z "$src" ]; then
    tar xzf check_*.orig.tar.gz
    src=$(ls -d check-*/ | head -n 1)
fi
echo "  BUILD   Check for MinGW (a minute at most, once)"
rm -rf obj && mkdir obj && cd obj
"../$src/configure" --host=x86_64-w64-mingw32 --prefix="$prefix" \
    --disable-shared --enable-static --disable-subunit --disable-timeout-tests \
    --disable-build-docs >configure.log 2>&1 || { tail -n 30 configure.log >&2; exit 2; }
make -j2 >make.log 2>&1 || { tail -n 30 make.log >&2; exit 2; }
make install >install.log 2>&1 || { tail -n 30 install.log >&2; exit 2; }
