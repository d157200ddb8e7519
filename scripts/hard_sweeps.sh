#!/usr/bin/env bash
# Robustness check beyond the shared sweeps: simulates each spec in
# scripts/hard_sweeps/ (hexagonal, rhombohedral, monoclinic, centred lattices,
# pseudo-symmetric cells, high mosaicity, large cell, low resolution, weak data
# with ice (on high and on low backgrounds), radiation damage, a vertical fine-sliced axis, a 10° wedge, a sweep
# across 360°, a reversed axis, a Pilatus-6M CBF, crystals split by 3° and 6°,
# header beam centres 3–4 mm off), runs
# `mxflow process` with no parameters on each and scores merged.mtz against
# the simulation's truth with ../shared/tools/score.py. Prints a markdown table.
# Usage: scripts/hard_sweeps.sh OUTDIR [MXFLOW] [SPEC_NAME...]
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: hard_sweeps.sh OUTDIR [MXFLOW] [SPEC_NAME...]}"
mxflow="${2:-$root/.build/release/mxflow}"
shift 2 2>/dev/null || shift $#
tools="$(cd "${MXFLOW_SHARED_DATA:-$root/../shared/data}/../tools" && pwd)"
names=("$@")
[ ${#names[@]} -eq 0 ] && for s in "$root"/scripts/hard_sweeps/*.json; do names+=("$(basename "$s" .json)"); done
mkdir -p "$out"
echo "| sweep | space group (true → found) | CC vs truth | R vs truth | d_min | wall |"
echo "|---|---|---|---|---|---|"
for n in "${names[@]}"; do
  sim="$out/$n/sim"; run="$out/$n/run"
  rm -rf "$out/$n"; mkdir -p "$out/$n"
  "$mxflow" simulate "$root/scripts/hard_sweeps/$n.json" "$sim" nproc=2 > "$out/$n/simulate.txt" 2>&1
  start=$(date +%s.%N)
  input="$sim/${n}_master.h5"; [ -f "$input" ] || input="$sim"   # CBF: the folder
  "$mxflow" process "$input" output_dir="$run" nproc=2 > "$out/$n/process.txt" 2>&1
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  if [ -f "$run/merged.mtz" ] && /usr/bin/python3 "$tools/score.py" "$run/merged.mtz" "$sim" > "$out/$n/score.json" 2>/dev/null; then
    /usr/bin/python3 - "$out/$n/score.json" "$n" "$wall" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {d['space_group_true']} → {d['space_group_found']} | {d['cc_truth']:.4f} | "
      f"{d['r_truth']:.4f} | {d['d_min']:.2f} Å | {float(sys.argv[3]):.1f} s |")
PY
  else
    printf "| %s | failed: %s | | | | %.1f s |\n" "$n" "$(tail -1 "$out/$n/process.txt" | cut -c1-80)" "$wall"
  fi
done
