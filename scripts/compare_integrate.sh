#!/usr/bin/env bash
# Same-run comparison of `mxflow integrate` with `dials.integrate` on the same
# DIALS-refined input: for each shared sweep, dials.import, dials.find_spots
# (nproc=2), dials.index and dials.refine with their defaults once, then both
# integrators back to back on that refined.expt + refined.refl with nproc=2,
# each under /usr/bin/time -v. Prints markdown (scripts/integrate_table.py):
# wall, CPU (user + sys) and peak RSS of each and the DIALS/mxflow ratios;
# σ_b and σ_m of each against the simulation's; CC of profile-fitted
# intensities vs the truth per resolution shell (scripts/score_integration.py,
# the same shell limits for both), shells where mxflow is below DIALS marked.
# Wall times depend on the machine's load; CPU seconds are the steadier measure.
# Usage: scripts/compare_integrate.sh OUTDIR [MXFLOW] [SWEEP...]
# DIALS_REFINED_FROM=DIR: take SWEEP's refined.expt/.refl from DIR/SWEEP/dials/
# (e.g. an earlier scripts/compare_process.sh OUTDIR) instead of running DIALS' steps.
# DIALS_SEARCH_BEAM_POSITION="SWEEP ...": for these sweeps dials.search_beam_position
# runs before dials.index (DIALS' remedy for a wrong header beam centre, where its
# defaults index a wrong lattice and integration could not be compared).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: compare_integrate.sh OUTDIR [MXFLOW] [SWEEP...]}"
mxflow="${2:-$root/.build/release/mxflow}"
case "$mxflow" in /*) ;; *) mxflow="$(pwd)/$mxflow" ;; esac
shift 2 2>/dev/null || shift $#
data="${MXFLOW_SHARED_DATA:-$root/../shared/data}"
[ -d "$data" ] || data=/work/shared/data
data="$(cd "$data" && pwd)"
export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1
export HDF5_PLUGIN_PATH=/usr/lib/python3/dist-packages/bitshuffle/plugin
sweeps=("$@")
[ ${#sweeps[@]} -eq 0 ] && for d in "$data"/*/; do [ -f "$d/truth.json" ] && sweeps+=("$(basename "$d")"); done
mkdir -p "$out"
out="$(cd "$out" && pwd)"
for name in "${sweeps[@]}"; do
  dir="$data/$name"; w="$out/$name"
  mkdir -p "$w"
  (
    cd "$w" || exit 1
    from="${DIALS_REFINED_FROM:-}/$name/dials"
    if [ ! -f refined.expt ] && [ -n "${DIALS_REFINED_FROM:-}" ] && [ -f "$from/refined.expt" ]; then
      cp "$from/refined.expt" "$from/refined.refl" .
    fi
    if [ ! -f refined.expt ]; then
      # DIALS' own steps, one at a time, with defaults (find_spots on 2 processes as compare_find_spots.sh).
      if ls "$dir"/*_master.h5 >/dev/null 2>&1; then dials.import "$dir"/*_master.h5 >import.log 2>&1
      else dials.import "$dir"/*.cbf >import.log 2>&1; fi
      dials.find_spots imported.expt nproc=2 >find_spots.log 2>&1
      expt=imported.expt
      if [[ " ${DIALS_SEARCH_BEAM_POSITION:-} " == *" $name "* ]]; then
        dials.search_beam_position imported.expt strong.refl >search_beam_position.log 2>&1 && expt=optimised.expt
      fi
      [ -f strong.refl ] && dials.index "$expt" strong.refl >index.log 2>&1 &&
        dials.refine indexed.expt indexed.refl >refine.log 2>&1
    fi
    [ -f refined.expt ] || { echo "$name: no refined.expt from DIALS (see $w/*.log)" >&2; exit 0; }
    rm -rf mxflow dials; mkdir -p mxflow dials
    (cd mxflow && /usr/bin/time -v -o time.txt "$mxflow" integrate ../refined.expt ../refined.refl nproc=2 >integrate.log 2>&1)
    (cd dials && /usr/bin/time -v -o time.txt dials.integrate ../refined.expt ../refined.refl nproc=2 >integrate.log 2>&1)
  )
done
/usr/bin/python3 "$root/scripts/integrate_table.py" "$data" "$out" "${sweeps[@]}"
