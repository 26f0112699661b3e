#!/usr/bin/env bash
# Installs pixforge into a scratch prefix and builds + runs tests/install/consumer against it with
# find_package(pixforge CONFIG). Usage: tests/install/run.sh SOURCE_DIR SCRATCH_DIR
set -euo pipefail
src=$1
work=$2
rm -rf "$work"
cmake -S "$src" -B "$work/build" -DBUILD_TESTING=OFF -DPIXFORGE_BUILD_BENCH=OFF -DPIXFORGE_BUILD_EXAMPLES=OFF \
  -DCMAKE_INSTALL_PREFIX="$work/prefix" >/dev/null
cmake --install "$work/build" >/dev/null
cmake -S "$src/tests/install/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/consumer"
