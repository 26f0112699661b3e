#!/usr/bin/env bash
# Builds C++ tests with AddressSanitizer + UndefinedBehaviorSanitizer (-O1) in build-sanitize/ and runs them.
#
#   tools/sanitize.sh all      every tests/*/test_*.cpp executable (what CI runs, after ./tools/test.sh)
#   tools/sanitize.sh          the input-handling subset below (a quicker check while working on the readers)
#   tools/sanitize.sh REGEX    the test executables whose name matches REGEX (grep -E)
#
# Any sanitizer report fails the test that triggered it (UBSan halts on the first report, ASan always does; leaks
# are reported at exit). Not built here: benches (timing only), the examples and their tests (thin programs over
# the API the suites exercise; tools/test.sh runs them), the install test and the Python converter tests (no C++ of
# ours to instrument). Tests that bound peak RSS skip that bound under ASan (#if defined(__SANITIZE_ADDRESS__):
# shadow memory and the quarantine count in RSS) and still check their outputs.
# Environment: PIXFORGE_SANITIZE_BUILD (default build-sanitize), CXX (default g++), PIXFORGE_SANITIZE_TIMEOUT
# (seconds per test executable, default 1200).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
pixforge_ensure_debs
build=${PIXFORGE_SANITIZE_BUILD:-build-sanitize}
jobs=$(nproc 2>/dev/null || echo 2)
subset='^test_(json|tensor|no_exceptions|safetensors|image|color|state_dict|pipeline|cli|bad_weights|bad_images|bad_input_cli|limits)$'
case "${1:-}" in
  "") regex=$subset ;;
  all) regex='.' ;;
  *) regex=$1 ;;
esac
targets=$(cd tests && ls ./*/test_*.cpp | sed 's|.*/||; s|\.cpp$||' | grep -E "$regex" || true)
[ -n "$targets" ] || { echo "sanitize.sh: no test matches '$regex'" >&2; exit 2; }
# -Wno-uninitialized: GCC 12's own avx512fintrin.h (_mm512_undefined_ps, reached through Eigen) warns under -O1
# with the sanitizers (GCC bug 105593, fixed in GCC 13); the normal -O3 build keeps the warning on.
# The shift checks stay recoverable only for the stb bugs suppressed in fuzz/ubsan.supp (halt_on_error=1 below).
# -g1: line tables only, enough for file:line in every sanitizer stack trace; full -g cost 32% more compiler CPU
# time (tests/ops/test_pad.cpp: 11.9 s vs 9.0 s user) and twice the object size for nothing a report needs.
san="-O1 -g1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
san="$san -fsanitize-recover=shift -Wno-uninitialized"
start=$(date +%s)
# CMAKE_BUILD_TYPE=None: no -O3 -DNDEBUG on top of our flags. PIXFORGE_NATIVE as in the normal build, so the same
# SIMD paths (AVX2/F16C) are checked.
CXX=${CXX:-g++} cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="$san" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DPIXFORGE_BUILD_BENCH=OFF -DPIXFORGE_BUILD_EXAMPLES=OFF
if [ "$regex" = . ]; then
  # The default target is exactly the test executables and the CLI here (no benches, no examples). One goal, so
  # make runs -j in parallel: CMake's top-level Makefile is .NOTPARALLEL, so `--target a b c` builds one target
  # after another, and each test is one translation unit, i.e. a single compile at a time.
  cmake --build "$build" -j "$jobs"
else
  # The CLI tests run the pixforge binary: build it (sanitized too) only when one of them is selected.
  cli=$(echo "$targets" | grep -qE '^test_(cli.*|bad_input_cli)$' && echo pixforge_cli || true)
  # shellcheck disable=SC2086
  cmake --build "$build" -j "$jobs" --target $targets $cli
fi
built=$(date +%s)
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$PWD/fuzz/ubsan.supp}
status=0
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout "${PIXFORGE_SANITIZE_TIMEOUT:-1200}" -R "$(echo $targets | sed 's/ /$|^/g; s/^/^/; s/$/$/')" || status=$?
end=$(date +%s)
echo "sanitize.sh: $(echo $targets | wc -w) test executables; build $((built - start)) s, tests $((end - built)) s" >&2
exit $status
