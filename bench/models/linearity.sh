#!/bin/sh
# Cost and memory against image size through the normal CLI path (automatic tile size, default 1 GiB budget):
# one `pixforge run` per (model, size, threads), under /usr/bin/time -v. Prints one row per run: wall seconds of
# the run (the CLI's own "run" figure: no load/save), user+sys CPU seconds of the whole process, peak RSS, the
# tile plan, and the ratio of the run time to (size/256)² × the 256² run time of the same model and threads.
#
#   bench/models/linearity.sh BUILD_DIR OUT_DIR "MODEL.safetensors ..." "256 512 1024" "2 1"
#
# Inputs are random RGB PNGs made with Python's PIL (/usr/bin/python3) in OUT_DIR (conv time does not depend on
# the content). Wall times on a shared machine are noisy: read them with the load average printed first.
set -eu
build=$1 out=$2 models=$3 sizes=${4:-"256 512 1024"} threads=${5:-"2 1"}
mkdir -p "$out"
for n in $sizes; do
  [ -f "$out/r$n.png" ] || /usr/bin/python3 -c "
import numpy as np; from PIL import Image
Image.fromarray((np.random.default_rng($n).random(($n, $n, 3)) * 255).astype(np.uint8)).save('$out/r$n.png')"
done
echo "# $(date -u '+%F %T') UTC, load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
printf '%-44s %5s %3s %9s %9s %8s %-12s %s\n' model size thr run_s cpu_s rss_MiB tiles ratio_to_256
for m in $models; do
  for t in $threads; do
    base=""
    for n in $sizes; do
      log="$out/log_$(basename "$m" .safetensors)_${n}_t$t.txt"
      /usr/bin/time -v "$build/pixforge" run "$m" "$out/r$n.png" "$out/o.png" --threads "$t" --verbose --quiet \
        > "$log" 2>&1
      run=$(sed -n 's/.* run \([0-9.]*\) s,.*/\1/p' "$log")
      cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$log")
      rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$log")
      tiles=$(sed -n 's/.*-> \([0-9]*x[0-9]*\) tiles.*/\1/p' "$log")
      tile=$(sed -n 's/.*; tile \([0-9]*\), halo.*/\1/p' "$log")
      [ -z "$base" ] && base=$run && bn=$n
      ratio=$(awk -v r="$run" -v b="$base" -v n="$n" -v bn="$bn" 'BEGIN {printf "%.2f", r / (b * (n / bn) ^ 2)}')
      printf '%-44s %5s %3s %9s %9s %8s %-12s %s\n' "$(basename "$m")" "$n" "$t" "$run" "$cpu" "$rss" \
        "${tiles}@$tile" "$ratio"
    done
  done
done
