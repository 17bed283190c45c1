#!/usr/bin/env bash
# bench/fuzz.sh: the long fuzz run of tests/fuzz's libFuzzer harnesses (ASan + UBSan, no error
# recovered from), then the line coverage their corpus reaches, per collector file (llvm-cov).
#
#   bench/fuzz.sh [-n EXECS] [-t SECONDS] [-p] [-c] [HARNESS...]
#
#   -n EXECS    executions per harness (default 10000000)
#   -t SECONDS  stop a harness after this long even if short of EXECS (default: no limit)
#   -p          run the harnesses side by side (else one after another)
#   -c          no fuzzing: the table and coverage of the last run's logs and corpus
#   HARNESS     decode, store, request (default: all three)
#
# Builds build-fuzz/ (sanitizers) and build-fuzz-cov/ (llvm-cov's instrumentation) with clang;
# each harness's corpus grows in build-fuzz/long/NAME/ (kept between runs), its log is
# build-fuzz/long/NAME.log, and what it finds is build-fuzz/long/NAME-crash-*: copy such an
# input into tests/fuzz/corpus/NAME/ once fixed. Prints a table of executions, speed and
# corpus per harness, then lines covered per file. Run it nice'd; it never gates CI.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
execs=10000000 seconds=0 parallel=0 fuzz=1
while getopts "n:t:pc" opt; do
  case $opt in
  n) execs=$OPTARG ;;
  t) seconds=$OPTARG ;;
  p) parallel=1 ;;
  c) fuzz=0 ;;
  *) sed -n 4,12p "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(decode store request)
if ! cc=$(fuzz_compiler); then
  echo "bench/fuzz.sh: no clang with libFuzzer (scripts/lib.sh's LT_FUZZ_PACKAGES)" >&2
  exit 1
fi
llvm_bin=$(dirname "$(readlink -f "$cc")")

echo "==> building build-fuzz (ASan + UBSan) and build-fuzz-cov (coverage) with $cc"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLT_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(jobs)" >/dev/null
cmake -S . -B build-fuzz-cov -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLT_FUZZ=ON -DLT_FUZZ_COVERAGE=ON >/dev/null
cmake --build build-fuzz-cov -j"$(jobs)" >/dev/null
for b in build-fuzz build-fuzz-cov; do # the seed traces, each tree its own
  ctest --test-dir "$b" -R '^fuzz_seeds$' >/dev/null
done
seeds=build-fuzz/tests/fuzz/seeds
long=build-fuzz/long
mkdir -p "$long"

dirs_of() { # dirs_of NAME: the corpus directories a harness reads
  echo "$long/$1"
  [ -d "tests/fuzz/corpus/$1" ] && echo "tests/fuzz/corpus/$1"
  [ "$1" = request ] || echo "$seeds"
}

run_one() { # run_one NAME: fuzzes until EXECS (or SECONDS); its log in $long/NAME.log
  local name=$1 dict=()
  mkdir -p "$long/$name"
  [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    build-fuzz/bin/fuzz_"$name" -runs="$execs" -max_total_time="$seconds" -timeout=20 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$long/$name-" "${dict[@]}" \
    $(dirs_of "$name") >"$long/$name.log" 2>&1
}

failed=0
if [ "$fuzz" = 0 ]; then
  echo "==> no fuzzing (-c): the last run's logs and corpus"
elif [ "$parallel" = 1 ]; then
  pids=()
  for h in "${harnesses[@]}"; do run_one "$h" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
else
  for h in "${harnesses[@]}"; do echo "==> fuzzing $h"; run_one "$h" || failed=1; done
fi

stat() { sed -n "s/^stat::$2: *//p" "$long/$1.log" | tail -1; }
echo
printf '%-8s | %12s | %8s | %7s | %s\n' harness executions "exec/s" corpus result
printf '%s\n' "---------|--------------|----------|---------|-------"
for h in "${harnesses[@]}"; do
  result=clean
  grep -q -E "ERROR: |runtime error|deadly signal" "$long/$h.log" &&
    result="FOUND: see $long/$h.log"
  printf '%-8s | %12s | %8s | %7s | %s\n' "$h" "$(stat "$h" number_of_executed_units)" \
    "$(stat "$h" average_exec_per_sec)" "$(find "$long/$h" -type f | wc -l)" "$result"
done

echo
echo "==> line coverage of the corpus (build-fuzz-cov, llvm-cov), per collector file"
cov=build-fuzz-cov/cov
rm -rf "$cov"
mkdir -p "$cov"
for h in "${harnesses[@]}"; do
  LLVM_PROFILE_FILE="$cov/$h.profraw" build-fuzz-cov/bin/fuzz_"$h" -runs=0 $(dirs_of "$h") \
    >"$cov/$h.log" 2>&1
  "$llvm_bin/llvm-profdata" merge -sparse "$cov/$h.profraw" -o "$cov/$h.profdata"
  "$llvm_bin/llvm-cov" export -summary-only -instr-profile="$cov/$h.profdata" \
    build-fuzz-cov/bin/fuzz_"$h" >"$cov/$h.json"
done
python3 - "$PWD/collector/" "$cov" "${harnesses[@]}" <<'PY'
import json, sys
root, cov, names = sys.argv[1], sys.argv[2], sys.argv[3:]
per = {}  # file -> {harness: (covered, count)}
for h in names:
    for f in json.load(open(f"{cov}/{h}.json"))["data"][0]["files"]:
        if f["filename"].startswith(root) and f["summary"]["lines"]["count"]:
            l = f["summary"]["lines"]
            per.setdefault(f["filename"][len(root):], {})[h] = (l["covered"], l["count"])
print(f"{'file':28} | " + " | ".join(f"{h:>14}" for h in names))
print("-" * 29 + "|" + "|".join("-" * 16 for _ in names))
tot = {h: [0, 0] for h in names}
def cell(c):
    return f"{c[0]:5}/{c[1]:<5} {100.0 * c[0] / c[1] if c[1] else 0:3.0f}%"
for name in sorted(per):
    row = []
    for h in names:
        c = per[name].get(h)
        if c:
            tot[h][0] += c[0]; tot[h][1] += c[1]
        row.append(f"{cell(c):>14}" if c else f"{'':>14}")
    print(f"{name:28} | " + " | ".join(row))
print(f"{'all linked files':28} | " + " | ".join(f"{cell(tot[h]):>14}" for h in names))
PY
exit "$failed"
