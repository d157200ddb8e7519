#!/usr/bin/env bash
# Same-run comparison of `mxflow process` (no parameters) with the DIALS step
# sequence (../shared/tools/dials_baseline.sh, defaults) on every shared sweep,
# one after the other, each scored against the truth. Prints markdown: the
# end-to-end table and the per-step wall times of both.
# Usage: scripts/compare_process.sh OUTDIR [MXFLOW] [SWEEP...]
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: compare_process.sh OUTDIR [MXFLOW] [SWEEP...]}"
mxflow="${2:-$root/.build/release/mxflow}"
shift 2 2>/dev/null || shift $#
data="${MXFLOW_SHARED_DATA:-$root/../shared/data}"
tools="$(cd "$data/../tools" && pwd)"
sweeps=("$@")
[ ${#sweeps[@]} -eq 0 ] && for d in "$data"/*/; do [ -f "$d/truth.json" ] && sweeps+=("$(basename "$d")"); done
mkdir -p "$out"
for name in "${sweeps[@]}"; do
  dir="$data/$name"
  input=$(ls "$dir"/*_master.h5 2>/dev/null | head -1)
  [ -n "$input" ] || input="$dir"
  m="$out/$name/mxflow"; d="$out/$name/dials"
  rm -rf "$m" "$d"; mkdir -p "$m" "$d"
  /usr/bin/time -v -o "$m/time.txt" "$mxflow" process "$input" output_dir="$m" nproc=2 > "$m/stdout.txt" 2>&1
  [ -f "$m/merged.mtz" ] && /usr/bin/python3 "$tools/score.py" "$m/merged.mtz" "$dir" > "$m/score.json" 2>/dev/null
  "$tools/dials_baseline.sh" "$input" "$d" > "$d/baseline.txt" 2>&1
  [ -f "$d/merged.mtz" ] && /usr/bin/python3 "$tools/score.py" "$d/merged.mtz" "$dir" > "$d/score.json" 2>/dev/null
done
/usr/bin/python3 "$root/scripts/process_table.py" "$out" "${sweeps[@]}"
