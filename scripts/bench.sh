#!/usr/bin/env bash
# `make bench`: measures mxflow's speed (and DIALS' on the same data in the
# same run, where DIALS is installed) and writes docs/PERFORMANCE.md, each
# figure beside the command that produced it. Benchmarks, not tests: the
# numbers vary with the machine's load, so ratios from one run are what count.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mxflow="${1:-$root/.build/release/mxflow}"
case "$mxflow" in /*) ;; *) mxflow="$root/$mxflow" ;; esac
data="${MXFLOW_SHARED_DATA:-$root/../shared/data}"
work="${BENCH_WORK:-$root/out/bench}"
doc="$root/docs/PERFORMANCE.md"
mkdir -p "$work" "$root/docs"
tmp="$doc.tmp"
have_dials=false; command -v dials.find_spots >/dev/null 2>&1 && have_dials=true
have_h5py=false; /usr/bin/python3 -c "import h5py" >/dev/null 2>&1 && have_h5py=true

{
echo "# mxflow performance"
echo
echo "Written by \`make bench\` (scripts/bench.sh) on $(date -u +%Y-%m-%d), $(nproc) cores,"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg). Release build. The machine is"
echo "shared and noisy: compare figures within one run (ratios), not across runs."
echo
} > "$tmp"

# 1. Frame decode: mxflow's raw-chunk + Swift bitshuffle-LZ4 path vs h5py + the HDF5 plugin.
{
echo "## Frame decode (bitshuffle-LZ4 NXmx)"
echo
echo "MB are decoded 32-bit pixels (10^6 bytes); best of 3 passes over every frame."
echo
echo "| sweep | frames | mxflow 1 thread | mxflow 2 threads | h5py + plugin, 1 thread | mxflow/h5py per thread |"
echo "|---|---|---|---|---|---|"
} >> "$tmp"
for master in "$data"/*/*_master.h5; do
  [ -f "$master" ] || continue
  name=$(basename "$(dirname "$master")")
  out=$("$mxflow" benchmark read "$master" threads=1,2 repeats=3)
  n=$(echo "$out" | head -1 | sed -E 's/.*: ([0-9]+) frames.*/\1/')
  t1=$(echo "$out" | grep '^threads=1 ' | sed -E 's/.* ([0-9.]+) frames\/s +([0-9.]+) MB\/s/\1 fr\/s, \2 MB\/s/')
  t2=$(echo "$out" | grep '^threads=2 ' | sed -E 's/.* ([0-9.]+) frames\/s +([0-9.]+) MB\/s/\1 fr\/s, \2 MB\/s/')
  mb1=$(echo "$out" | grep '^threads=1 ' | sed -E 's/.* ([0-9.]+) MB\/s/\1/')
  if $have_h5py; then
    h=$(/usr/bin/python3 "$root/scripts/bench_read_h5py.py" "$master" 3 | tail -1)
    hmb=$(echo "$h" | sed -E 's/.* ([0-9.]+) MB\/s/\1/')
    hfr=$(echo "$h" | sed -E 's/.* ([0-9.]+) frames\/s.*/\1/')
    ratio=$(echo "scale=2; $mb1 / $hmb" | bc)
    echo "| $name | $n | $t1 | $t2 | $hfr fr/s, $hmb MB/s | ${ratio}× |" >> "$tmp"
  else
    echo "| $name | $n | $t1 | $t2 | (h5py absent) | |" >> "$tmp"
  fi
done
{
echo
echo "Commands: \`mxflow benchmark read DATA_master.h5 threads=1,2 repeats=3\` and"
echo "\`/usr/bin/python3 scripts/bench_read_h5py.py DATA_master.h5 3\`."
echo
} >> "$tmp"

# 2. Spot finding: mxflow vs dials.find_spots (nproc=2), and vs mxflow's decode-only pass.
if $have_dials; then
  {
  echo "## Spot finding"
  echo
  echo "Wall time of \`mxflow find-spots imported.expt nproc=2\` and \`dials.find_spots imported.expt nproc=2\`"
  echo "on the same imported.expt, back to back, plus mxflow's decode-only pass over the same frames"
  echo "(\`decode_only=True\`). Recall and centroid error against the truth come from"
  echo "\`scripts/score_spots.py\`. Command: \`scripts/compare_find_spots.sh out/bench/spots\`."
  echo
  echo '```'
  "$root/scripts/compare_find_spots.sh" "$work/spots" "$mxflow" 2>&1 | tee "$work/spots.txt" || true
  echo '```'
  echo
  echo "Found spots against the truth (\`scripts/spots_table.py\`): oracle-strong are the predicted reflections"
  echo "≥ 5σ in a 5×5×3 box at the true position; DIALS-found, those dials.find_spots found."
  echo
  python3 "$root/scripts/spots_table.py" "$work/spots.txt"
  echo
  if command -v valgrind >/dev/null 2>&1; then
    echo "Instruction counts (valgrind --tool=callgrind, nproc=1), which repeat exactly where wall times do not:"
    echo "find-spots against its decode-only pass, with the AVX2 background pass this processor runs and with"
    echo "the baseline one (\`MXFLOW_SIMD=baseline\`). Command: \`scripts/callgrind_find_spots.sh out/bench/spots\`."
    echo
    echo '```'
    "$root/scripts/callgrind_find_spots.sh" "$work/spots" "$mxflow" 2>&1 || true
    echo "baseline:"
    MXFLOW_SIMD=baseline "$root/scripts/callgrind_find_spots.sh" "$work/spots" "$mxflow" 2>&1 || true
    echo '```'
    echo
  fi
  } >> "$tmp"
fi

# 3. The whole pipeline: mxflow process vs the DIALS step sequence, per sweep and per step.
if $have_dials; then
  {
  echo "## mxflow process vs the DIALS step sequence"
  echo
  echo "\`mxflow process DATA output_dir=… nproc=2\` (no other parameters) and \`../shared/tools/dials_baseline.sh DATA OUTDIR\`"
  echo "(DIALS defaults), one after the other on each sweep; merged.mtz scored with \`../shared/tools/score.py\`."
  echo "mxflow's wall is /usr/bin/time's, DIALS' the sum of its steps. Command: \`scripts/compare_process.sh out/bench/process\`."
  echo
  "$root/scripts/compare_process.sh" "$work/process" "$mxflow" 2>&1 || true
  echo
  } >> "$tmp"
fi

# 3b. Robustness: harder simulated sweeps, processed with no parameters and scored against their truth.
if [ -f "$data/../tools/score.py" ]; then
  {
  echo "## Harder simulated sweeps (robustness, \`mxflow process\` with no parameters)"
  echo
  echo "Sweeps beyond the shared seven, simulated by \`mxflow simulate\` from the specs in \`scripts/hard_sweeps/\`,"
  echo "processed with no parameters and scored against their own truth with \`../shared/tools/score.py\`."
  echo "Command: \`scripts/hard_sweeps.sh out/bench/hard\`."
  echo
  "$root/scripts/hard_sweeps.sh" "$work/hard" "$mxflow" 2>&1 || true
  echo
  } >> "$tmp"
fi

# 4. Indexing: mxflow index vs dials.index on the same strong spots.
if $have_dials; then
  {
  echo "## Indexing"
  echo
  echo "\`mxflow index imported.expt strong.refl\` and \`dials.index imported.expt strong.refl\` (defaults), back to back"
  echo "on the same dials.import + dials.find_spots (nproc=2) output; % indexed, RMSDs and cell error against the"
  echo "truth from \`scripts/score_index.py\`. Command: \`scripts/compare_index.sh out/bench/index\`."
  echo
  "$root/scripts/compare_index.sh" "$work/index" "$mxflow" 2>&1 || true
  echo
  } >> "$tmp"
fi

# 5. Integration: mxflow integrate vs dials.integrate on the same DIALS-refined input.
if $have_dials; then
  {
  echo "## Integration vs dials.integrate"
  echo
  echo "\`/usr/bin/time -v mxflow integrate refined.expt refined.refl nproc=2\` and \`/usr/bin/time -v dials.integrate"
  echo "refined.expt refined.refl nproc=2\`, back to back on the same dials.import → find_spots (nproc=2) → index → refine"
  echo "output (defaults); σ_b, σ_m from each integrated.expt against truth.json; CC of profile-fitted intensities"
  echo "(LP, QE and partiality corrected) vs the truth per shell from \`scripts/score_integration.py --common-shells\`."
  echo "Command: \`scripts/compare_integrate.sh out/bench/integrate\`."
  echo
  echo "beam_offset_c2 (header beam centre 1.5 mm off): \`dials.search_beam_position\` runs before \`dials.index\`, whose"
  echo "defaults otherwise index a wrong lattice there (see Indexing)."
  echo
  DIALS_SEARCH_BEAM_POSITION="beam_offset_c2" "$root/scripts/compare_integrate.sh" "$work/integrate" "$mxflow" 2>&1 || true
  echo
  } >> "$tmp"
fi

# 6. Simulation speed: a 1-megapixel x 180-frame sweep.
if [ -f "$root/scripts/bench_simulate.sh" ]; then
  {
  echo "## Simulation"
  echo
  "$root/scripts/bench_simulate.sh" "$mxflow" "$work/sim" 2>&1 || true
  echo
  } >> "$tmp"
fi

# 7. Steps not yet re-measured here: the figures taken by hand, kept beside the rest.
[ -f "$root/docs/performance-by-hand.md" ] && cat "$root/docs/performance-by-hand.md" >> "$tmp"

mv "$tmp" "$doc"
echo "wrote $doc"
