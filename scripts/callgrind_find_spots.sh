#!/bin/bash
# Instruction counts (valgrind --tool=callgrind, nproc=1) of mxflow find-spots and
# of its decode-only pass over the same frames, for every imported.expt under
# WORKDIR/<sweep>/ (as scripts/compare_find_spots.sh leaves them). Unlike wall
# time on a shared machine, these repeat exactly. Usage:
#   scripts/callgrind_find_spots.sh WORKDIR [MXFLOW_BINARY]
# Prints: sweep, instructions of find-spots, of decode-only, their ratio.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:?work directory}
mxflow=${2:-$here/.build/release/mxflow}
total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'; }
for d in "$work"/*/; do
  [ -f "$d/imported.expt" ] || continue
  n=$(basename "$d")
  valgrind --tool=callgrind --callgrind-out-file="$d/callgrind.find_spots" "$mxflow" find-spots "$d/imported.expt" \
    nproc=1 output.reflections="$d/callgrind_strong.refl" output.log="$d/callgrind_fs.log" >/dev/null 2>&1
  valgrind --tool=callgrind --callgrind-out-file="$d/callgrind.decode" "$mxflow" find-spots "$d/imported.expt" \
    nproc=1 decode_only=True output.log="$d/callgrind_decode.log" >/dev/null 2>&1
  fs=$(total "$d/callgrind.find_spots"); dec=$(total "$d/callgrind.decode")
  printf "%s find_spots=%.2fG decode=%.2fG ratio=%.2f\n" "$n" "$(echo "$fs / 10^9" | bc -l)" \
    "$(echo "$dec / 10^9" | bc -l)" "$(echo "$fs / $dec" | bc -l)"
done
