#!/usr/bin/env bash
# bench/differential.sh: the differential tester at any size: COUNT generated programs from
# SEED on CPython 3.11 and on the runtime (tests/differential/README.md), every mismatch class
# with examples, and a table of each side's time.
#   bench/differential.sh BUILD_DIR [COUNT=100000] [SEED=1] [run.py options, e.g. --minimise]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: bench/differential.sh BUILD_DIR [COUNT] [SEED] [options]}
count=${2:-100000}
seed=${3:-1}
shift $(($# < 3 ? $# : 3))
py=$(command -v python3.11 || command -v python3)
cmake --build "$build" --target lt_diffinterp >/dev/null
exec "$py" tests/differential/run.py --interp "$build/bin/lt_diffinterp" --seed "$seed" \
  --count "$count" --batch 2000 --progress "$@"
