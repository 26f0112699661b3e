#!/usr/bin/env bash
# Builds everything (library tests, benches, examples) in build/ and runs the whole test suite with ctest.
# Installs missing Debian packages when run as root (see tools/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
pixforge_ensure_debs
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"
# ctest runs tests in parallel and many tests use 2 threads themselves: with more threads than cores, OpenMP's
# default spin-waiting makes small ops crawl, so let idle threads sleep.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
ctest --test-dir build --output-on-failure -j "$jobs"
