#!/usr/bin/env bash
# tests/install/test_install.sh BUILD_DIR: installs BUILD_DIR into a temporary prefix and
# builds tests/install/consumer/hello_tasks.c outside the tree against it, as users would:
# with pkg-config (shared, and --static), and with find_package(looptrace) (looptrace::rt and
# looptrace::rt_static). Each program runs under the virtual clock, traced to a file; its
# output must be exactly what the program prints, and the installed looptrace must read its
# trace as a clean stream naming the tasks. Also checks the shared library's SONAME and that
# it exports the public API only. Called by scripts/test after the normal build.
set -euo pipefail
build=$(cd "${1:?usage: test_install.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/lt-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

fail() { echo "test_install: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
lib=$prefix/lib
[ -f "$lib/liblooptrace_rt.a" ] || fail "no liblooptrace_rt.a in $lib"
soname=$(readelf -d "$lib/liblooptrace_rt.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = liblooptrace_rt.so.0 ] || fail "SONAME is '$soname', not liblooptrace_rt.so.0"
[ -e "$lib/$soname" ] || fail "$soname is not installed"
private=$(nm -D --defined-only "$lib/liblooptrace_rt.so" | awk '$3 ~ /^lt__/' | head -3)
[ -z "$private" ] || fail "the shared library exports private symbols: $private"
# (grep reads all of it: grep -q stops early, and nm's SIGPIPE fails the pipeline under pipefail)
nm -D --defined-only "$lib/liblooptrace_rt.so" | grep ' T lt_run$' >/dev/null ||
  fail "lt_run not exported"
[ -x "$prefix/bin/looptrace" ] || fail "no looptrace binary in $prefix/bin"
for h in looptrace.h lt/task.h lt/wire.h; do
  [ -f "$prefix/include/$h" ] || fail "no $h in $prefix/include"
done

expected='woke after 10 ms
woke after 20 ms
woke after 30 ms
results 60 20 40 after 30 ms'

check() { # check NAME PROGRAM: runs it traced under the virtual clock and checks what it did
  local name=$1 prog=$2 out trace=$work/$1.ltr
  out=$(LOOPTRACE="file:$trace" LOOPTRACE_CLOCK=virtual "$prog") || fail "$name exited with $?"
  [ "$out" = "$expected" ] || fail "$name printed:
$out
instead of:
$expected"
  local dump
  dump=$("$prefix/bin/looptrace" dump "$trace") || fail "$name: looptrace dump failed"
  grep -q '^end: clean' <<<"$dump" || fail "$name: the trace did not end cleanly"
  [ "$(grep -c ' sleeper create ' <<<"$dump")" = 3 ] || fail "$name: the trace lacks the 3 sleepers"
  grep -q 'mark "results 60 20 40 after 30 ms"' <<<"$dump" || fail "$name: the trace lacks main's line"
  echo "test_install: $name: ok"
}

export PKG_CONFIG_PATH=$lib/pkgconfig
cc=${CC:-cc}
src=$here/consumer/hello_tasks.c
[ "$(pkg-config --modversion looptrace)" = 0.1.0 ] || fail "pkg-config finds no looptrace 0.1.0"
# shellcheck disable=SC2046
$cc -Wall -Wextra -Werror -o "$work/pc_shared" "$src" $(pkg-config --cflags --libs looptrace) \
  -Wl,-rpath,"$(pkg-config --variable=libdir looptrace)"
check "pkg-config (shared)" "$work/pc_shared"
readelf -d "$work/pc_shared" | grep "NEEDED.*\[$soname\]" >/dev/null || fail "pc_shared does not load $soname"
# shellcheck disable=SC2046
$cc -Wall -Wextra -Werror -o "$work/pc_static" "$src" -static-libgcc \
  $(pkg-config --cflags looptrace) "$lib/liblooptrace_rt.a" $(pkg-config --static --libs-only-other looptrace)
check "pkg-config (static)" "$work/pc_static"

cmake -S "$here/consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" >/dev/null
cmake --build "$work/cmake" >/dev/null
check "find_package (looptrace::rt)" "$work/cmake/hello_tasks"
check "find_package (looptrace::rt_static)" "$work/cmake/hello_tasks_static"
readelf -d "$work/cmake/hello_tasks" | grep "NEEDED.*\[$soname\]" >/dev/null ||
  fail "looptrace::rt does not link $soname"
echo "test_install: all passed"
