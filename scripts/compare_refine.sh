#!/bin/bash
# Compares `mxflow refine` with `dials.refine` (static) on DIALS-indexed shared sweeps:
# final RMSDs (px, px, images), reflections used and wall time, with DIALS' default
# outlier rejection (mcd) vs mxflow's (tukey), and with outlier rejection off on both.
# Usage: scripts/compare_refine.sh [workdir] [sweep ...]   (needs DIALS and a release build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/compare_refine}; shift || true
sweeps=${*:-insulin_i213 thaumatin_p41212 lysozyme_p43212 cbf_p4212}
data=$root/../shared/data; [ -d "$data" ] || data=$root/../../shared/data
mxflow=$root/.build/release/mxflow
export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1
export HDF5_PLUGIN_PATH=/usr/lib/python3/dist-packages/bitshuffle/plugin
mkdir -p "$work"
for s in $sweeps; do
  mkdir -p "$work/$s" && cd "$work/$s"
  if [ ! -f indexed.refl ]; then
    if [ -f "$data/$s/${s}_master.h5" ]; then dials.import "$data/$s/${s}_master.h5" > import.log
    else dials.import "$data/$s/${s}"_*.cbf > import.log; fi
    dials.find_spots imported.expt nproc=2 > find.log
    dials.index imported.expt strong.refl > index.log
  fi
  for mode in default null; do
    extra=""; [ $mode = null ] && extra="outlier.algorithm=null"
    t0=$(date +%s.%N)
    dials.refine indexed.expt indexed.refl scan_varying=False $extra output.experiments=d_$mode.expt \
      output.reflections=d_$mode.refl output.log=d_$mode.log > /dev/null
    t1=$(date +%s.%N)
    "$mxflow" refine indexed.expt indexed.refl $extra output.experiments=m_$mode.expt \
      output.reflections=m_$mode.refl output.log=m_$mode.log > m_$mode.out
    t2=$(date +%s.%N)
    d=$(grep -A5 "RMSDs by experiment" d_$mode.log | tail -1 | tr -d '|' | awk '{print $2, $3, $4, $5}')
    m=$(grep -A2 "RMSDs by experiment" m_$mode.out | tail -1 | awk '{print $2, $3, $4, $5}')
    printf "%-18s %-7s dials: n=%s  %6.1f s | mxflow: n=%s  %5.2f s\n" "$s" "$mode" "$d" "$(echo "$t1 - $t0" | bc)" \
      "$m" "$(echo "$t2 - $t1" | bc)"
  done
done
