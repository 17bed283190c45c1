# scripts/lib.sh: shared by scripts/run and scripts/test: installing what is missing.
# Sourced, not run.

# as_root CMD...: runs CMD as root (directly, or through sudo).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ensure_packages PKG...: installs the Debian packages that are not installed yet (needs root,
# or sudo). PKG may name an architecture (libcmocka-dev:arm64). Quiet when everything is
# already there.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# ensure_foreign_arch ARCH: lets dpkg install ARCH's libraries next to the host's (Debian
# multiarch), e.g. arm64 for libcmocka-dev:arm64. Quiet when already enabled; the next
# ensure_packages that finds something missing runs apt-get update.
ensure_foreign_arch() {
  [ "$(dpkg --print-architecture)" = "$1" ] && return 0
  dpkg --print-foreign-architectures | grep -qx "$1" && return 0
  echo "==> enabling the $1 architecture for dpkg (multiarch)"
  as_root dpkg --add-architecture "$1"
}

# The packages every build needs (libuv1-dev: bench_echo's libuv peer).
LT_BUILD_PACKAGES=(build-essential cmake pkg-config libcmocka-dev libwebsockets-dev
  libsqlite3-dev libcjson-dev sqlite3 valgrind python3 libuv1-dev libcurl4-openssl-dev)

# The fleet store's server (docs/fleet.md): the ClickHouse test and bench start one from a
# temporary config. Debian 12 packages 18.16; where it cannot be installed those tests say
# they are skipped (tests/fleet/), the rest of the build does not need it.
LT_CLICKHOUSE_PACKAGES=(clickhouse-server clickhouse-client)

# ensure_clickhouse: installs LT_CLICKHOUSE_PACKAGES; a failure is said, not fatal.
ensure_clickhouse() {
  ensure_packages "${LT_CLICKHOUSE_PACKAGES[@]}" ||
    echo "==> clickhouse-server could not be installed: the fleet tests will be skipped" >&2
}

# What the aarch64 build run under qemu-user needs (cmake/aarch64-linux-gnu.cmake): the cross
# compiler and C library, qemu-user, and cmocka for arm64 from Debian multiarch.
LT_AARCH64_PACKAGES=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user libcmocka-dev:arm64)

# What the libFuzzer harnesses (tests/fuzz) need: clang, its libFuzzer runtime, and llvm-cov
# and llvm-profdata for bench/fuzz.sh's coverage.
LT_FUZZ_PACKAGES=(clang libclang-rt-dev llvm)

# fuzz_compiler: prints the clang that has libFuzzer (clang-14, else clang); fails without.
fuzz_compiler() {
  local cc
  for cc in clang-14 clang; do
    command -v "$cc" >/dev/null || continue
    echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
      "$cc" -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null && { command -v "$cc"; return 0; }
  done
  return 1
}

# ensure_aarch64_cross: installs what LT_AARCH64_PACKAGES lists, enabling arm64 first.
ensure_aarch64_cross() {
  ensure_foreign_arch arm64
  ensure_packages "${LT_AARCH64_PACKAGES[@]}"
}

# ensure_node_modules: what the JavaScript tests need (package.json, package-lock.json),
# installed by npm when missing. Debian's nodejs is installed first if there is no node.
ensure_node_modules() {
  command -v npm >/dev/null || ensure_packages nodejs npm
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> installing the JavaScript test dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
  fi
}

# ensure_browser: Debian's chromium for the browser tests (tests/browser drives it with
# playwright-core; no browser is ever downloaded).
ensure_browser() {
  [ -x /usr/bin/chromium ] || ensure_packages chromium
}

jobs() { nproc 2>/dev/null || echo 2; }
