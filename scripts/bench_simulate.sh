#!/usr/bin/env bash
# Times `mxflow simulate` on a 1-megapixel (Eiger-1M-like, 1028×1062) ×
# 180-frame NXmx sweep; prints a Markdown fragment for docs/PERFORMANCE.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mxflow="${1:-$root/.build/release/mxflow}"
out="${2:-$root/out/bench/sim}"
rm -rf "$out"
args=("$root/testdata/specs/sim_p43212_se_nxmx.json" "$out" name=bench_1m
      detector_size_px=1028,1062 module_size_px=1028,514 module_gap_px=0,34
      pixel_size_mm=0.075 distance_mm=150 n_images=180 nproc=2)
start=$(date +%s.%N)
/usr/bin/time -f "%U %S %M" -o "$out.time" "$mxflow" simulate "${args[@]}" >/dev/null
end=$(date +%s.%N)
read -r user sys rss < "$out.time"
wall=$(echo "$end - $start" | bc)
echo "| sweep | frames | wall s | ms/frame (wall) | CPU s (user+sys) | peak RSS MB |"
echo "|---|---|---|---|---|---|"
printf "| 1028×1062 NXmx, bitshuffle-LZ4 | 180 | %.1f | %.0f | %.1f | %.0f |\n" \
  "$wall" "$(echo "$wall * 1000 / 180" | bc -l)" "$(echo "$user + $sys" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
echo
echo "Command: \`mxflow simulate ${args[*]#$root/}\`."
rm -rf "$out" "$out.time"
