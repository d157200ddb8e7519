#!/bin/bash
# Compares `mxflow refine` with `dials.refine` in their default sequence — static
# refinement, then scan-varying (crystal orientation and cell smooth in rotation
# angle) — on DIALS-indexed shared sweeps: final RMSDs (x, y px; φ images) after
# the static and the scan-varying stage, reflections used and wall time.
# Usage: scripts/compare_refine_sv.sh [workdir] [sweep ...]   (needs DIALS and a release build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/compare_refine_sv}; shift || true
sweeps=${*:-cbf_p4212 insulin_i213 thaumatin_p41212 lysozyme_p43212}
data=$root/../shared/data; [ -d "$data" ] || data=$root/../../shared/data
mxflow=${MXFLOW:-$root/.build/release/mxflow}
export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1
export HDF5_PLUGIN_PATH=/usr/lib/python3/dist-packages/bitshuffle/plugin
mkdir -p "$work"
# First and last rows of the "RMSDs by experiment" tables: static, then scan-varying.
dials_rows() { grep -A5 "RMSDs by experiment" "$1" | grep -E '^\|\s+0 ' | tr -d '|' | awk '{print $2, $3, $4, $5}'; }
mxflow_rows() { grep -A2 "RMSDs by experiment" "$1" | grep -E '^\s+0 ' | awk '{print $2, $3, $4, $5}'; }
printf "%-18s %-6s %-34s %-34s\n" sweep stage "dials.refine: n x y z (px, px, img)" "mxflow refine: n x y z"
for s in $sweeps; do
  mkdir -p "$work/$s" && cd "$work/$s"
  if [ ! -f indexed.refl ]; then
    if [ -f "$data/$s/${s}_master.h5" ]; then dials.import "$data/$s/${s}_master.h5" > import.log
    else dials.import "$data/$s/${s}"_*.cbf > import.log; fi
    dials.find_spots imported.expt nproc=2 > find.log
    dials.index imported.expt strong.refl > index.log
  fi
  if [ ! -f d_sv.log ]; then
    /usr/bin/time -f %e -o d_sv.time dials.refine indexed.expt indexed.refl output.experiments=d_sv.expt \
      output.reflections=d_sv.refl output.log=d_sv.log > /dev/null
  fi
  /usr/bin/time -f %e -o m_sv.time "$mxflow" refine indexed.expt indexed.refl output.experiments=m_sv.expt \
    output.reflections=m_sv.refl output.log=m_sv.log > m_sv.out
  mapfile -t d < <(dials_rows d_sv.log); mapfile -t m < <(mxflow_rows m_sv.out)
  printf "%-18s %-6s %-34s %-34s\n" "$s" static "${d[0]}" "${m[0]}"
  printf "%-18s %-6s %-34s %-34s  (%s s | %s s)\n" "$s" sv "${d[-1]}" "${m[-1]}" "$(cat d_sv.time)" "$(cat m_sv.time)"
done
