#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang (ASan + UBSan) and runs each for a while.
#
#   tools/fuzz.sh                       every target for 60 s (what CI runs, after ./tools/test.sh)
#   tools/fuzz.sh 600 safetensors json  the named targets (fuzz/fuzz_<name>.cpp) for 600 s each
#
# Environment: PIXFORGE_FUZZ_BUILD (default build-fuzz) is the build directory; new corpus entries go to
# $PIXFORGE_FUZZ_BUILD/corpus/<name> (the committed seeds in fuzz/corpus/<name> are read, never written), crash
# inputs to $PIXFORGE_FUZZ_BUILD/artifacts/. Exit status non-zero if a target finds a crash, leak, timeout or OOM;
# reproduce with `$PIXFORGE_FUZZ_BUILD/fuzz_<name> <crash file>`. libFuzzer's final stats (executions, coverage)
# are printed per target.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
pixforge_ensure_debs clang-14 libclang-rt-14-dev

seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.cpp; do t=$(basename "$f" .cpp); targets+=("${t#fuzz_}"); done
fi
build=${PIXFORGE_FUZZ_BUILD:-build-fuzz}
mkdir -p "$build/artifacts"
cxx=$(command -v clang++-14 || command -v clang++)
# -O1 keeps the sanitizers' reports precise; no OpenMP (one thread per fuzzer process); UBSan aborts on the first
# report so libFuzzer records the input — except the shift checks, which are recoverable only so that the
# documented stb bugs in fuzz/ubsan.supp can be suppressed (halt_on_error=1 still stops on any other report).
flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
       -fsanitize-recover=shift
       -Wall -Wextra -Iinclude -I/usr/include/eigen3 -I/usr/include/stb)

for t in "${targets[@]}"; do
  src=fuzz/fuzz_$t.cpp
  [ -f "$src" ] || { echo "fuzz.sh: no target $src" >&2; exit 2; }
  bin=$build/fuzz_$t
  if [ ! -x "$bin" ] || [ -n "$(find "$src" fuzz/fuzz_common.hpp include -newer "$bin" -print -quit)" ]; then
    echo "fuzz.sh: building $bin" >&2
    "$cxx" "${flags[@]}" "$src" -o "$bin"
  fi
done

status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t"
  echo "fuzz.sh: fuzz_$t for $seconds s" >&2
  # A 4 GiB process RSS cap keeps a runaway input from taking the shared machine down; 20 s per input. Inputs up
  # to 64 KiB (by default libFuzzer stops at the largest seed, 88 bytes for json).
  if ! UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$PWD/fuzz/ubsan.supp "$build/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/artifacts/${t}-" "$build/corpus/$t" "fuzz/corpus/$t"; then
    echo "fuzz.sh: fuzz_$t FAILED (input saved under $build/artifacts/)" >&2
    status=1
  fi
done
exit $status
