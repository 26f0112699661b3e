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
ctest --test-dir build --output-on-failure -j "$jobs"
