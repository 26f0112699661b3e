#!/usr/bin/env bash
# Builds the C++ test suite with AddressSanitizer + UndefinedBehaviorSanitizer (-O1) in build-sanitize/ and runs it.
#
#   tools/sanitize.sh              every tests/*/test_*.cpp executable (what CI runs, after ./tools/test.sh)
#   tools/sanitize.sh REGEX        only the ctest tests matching REGEX
#
# Any sanitizer report fails the test that triggered it (UBSan halts on the first report, ASan always does; leaks
# are reported at exit). Benches, examples, the install test and the Python converter tests are not built or run
# here: they hold no C++ library code that the test executables do not already exercise. Environment:
# PIXFORGE_SANITIZE_BUILD (default build-sanitize), CXX (default g++).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
pixforge_ensure_debs
build=${PIXFORGE_SANITIZE_BUILD:-build-sanitize}
jobs=$(nproc 2>/dev/null || echo 2)
# -Wno-uninitialized: GCC 12's own avx512fintrin.h (_mm512_undefined_ps, reached through Eigen) warns under -O1
# with the sanitizers (GCC bug 105593, fixed in GCC 13); the normal -O3 build keeps the warning on.
san="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -Wno-uninitialized"
start=$(date +%s)
# CMAKE_BUILD_TYPE=None: no -O3 -DNDEBUG on top of our flags. PIXFORGE_NATIVE as in the normal build, so the same
# SIMD paths (AVX2/F16C) are checked.
CXX=${CXX:-g++} cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="$san" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DPIXFORGE_BUILD_BENCH=OFF -DPIXFORGE_BUILD_EXAMPLES=OFF
targets=$(cd tests && ls ./*/test_*.cpp | sed 's|.*/||; s|\.cpp$||')
# shellcheck disable=SC2086
cmake --build "$build" -j "$jobs" --target $targets pixforge_cli
built=$(date +%s)
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
ctest --test-dir "$build" --output-on-failure -j "$jobs" -E '^(py_|install_consumer)' ${1:+-R "$1"} || status=$?
end=$(date +%s)
echo "sanitize.sh: build $((built - start)) s, tests $((end - built)) s" >&2
exit $status
