#!/usr/bin/env bash
# Builds and runs the demo on the bundled sample photo (see README "Quick start").
# Installs missing Debian packages when run as root (see tools/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
pixforge_ensure_debs
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs" --target demo_upscale
mkdir -p out
./build/demo_upscale examples/data/sample.png out/demo.png "$@"
