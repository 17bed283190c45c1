# scripts/lib.sh: shared by scripts/run and scripts/test: installing what is missing.
# Sourced, not run.

# ensure_packages PKG...: installs the Debian packages that are not installed yet (needs root,
# or sudo). Quiet when everything is already there.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# The packages every build needs.
LT_BUILD_PACKAGES=(build-essential cmake pkg-config libcmocka-dev libwebsockets-dev
  libsqlite3-dev libcjson-dev sqlite3 valgrind python3)

jobs() { nproc 2>/dev/null || echo 2; }
