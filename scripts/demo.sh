#!/usr/bin/env bash
# The README's main-job command: every mxflow step on the bundled simulated
# Se-SAD sweep testdata/sim_p43212_se_nxmx, from images to merged.mtz, then
# prints where the outputs are (and the score against the truth when the
# shared scorer is present).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mxflow="${1:-$root/.build/release/mxflow}"
out="${2:-$root/out/demo}"
case "$mxflow" in /*) ;; *) mxflow="$root/$mxflow" ;; esac
case "$out" in /*) ;; *) out="$root/$out" ;; esac
rm -rf "$out"
MXFLOW="$mxflow" "$root/scripts/run_chain.sh" "$root/testdata/sim_p43212_se_nxmx" "$out" anomalous=True
echo
"$mxflow" show "$out/scaled.expt" | sed -n '/Crystal/,$p'
echo
echo "merged MTZ: $out/merged.mtz"
echo "every step's log: $out/chain.log (and mxflow.<step>.log)"
