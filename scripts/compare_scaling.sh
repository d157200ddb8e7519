#!/usr/bin/env bash
# Scales the same integrated, symmetrized reflections with `mxflow scale`
# and `dials.scale`, estimates the resolution (CC½ = 0.3) of each scaled
# result with both `mxflow estimate-resolution` and `dials.estimate_resolution`,
# and prints the merging statistics side by side: per shell ⟨I/σ⟩, CC½ and
# CCano with their ratio, the error-model parameters, the intensity choice
# and the resolution estimates.
#   scripts/compare_scaling.sh WORKDIR [scale options…]
# WORKDIR holds symmetrized.expt and symmetrized.refl (scripts/run_chain.sh
# leaves them there); results go to WORKDIR/compare_mxflow and WORKDIR/compare_dials.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mxflow="${MXFLOW:-$root/.build/release/mxflow}"
work="$(cd "$1" && pwd)"; shift
for f in symmetrized.expt symmetrized.refl; do
  [ -f "$work/$f" ] || { echo "no $work/$f: run scripts/run_chain.sh first" >&2; exit 1; }
done
mkdir -p "$work/compare_mxflow" "$work/compare_dials"
cd "$work/compare_mxflow"
"$mxflow" scale ../symmetrized.expt ../symmetrized.refl "$@" > scale.out 2>&1
cd "$work/compare_dials"
dials.scale ../symmetrized.expt ../symmetrized.refl "$@" > scale.out 2>&1
for side in mxflow dials; do
  cd "$work/compare_$side"
  "$mxflow" estimate-resolution scaled.expt scaled.refl > mxflow_resolution.out 2>&1 || true
  dials.estimate_resolution scaled.expt scaled.refl > dials_resolution.out 2>&1 || true
done
/usr/bin/python3 "$root/scripts/compare_scaling.py" "$work"
