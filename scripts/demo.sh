#!/usr/bin/env bash
# The README's main-job command: runs mxflow's steps on the bundled simulated
# sweep testdata/sim_p43212_se_nxmx and prints where the outputs are.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mxflow="${1:-$root/.build/release/mxflow}"
out="${2:-$root/out/demo}"
case "$mxflow" in /*) ;; *) mxflow="$root/$mxflow" ;; esac
case "$out" in /*) ;; *) out="$root/$out" ;; esac
data="$root/testdata/sim_p43212_se_nxmx/sim_p43212_se_nxmx_master.h5"

mkdir -p "$out"
cd "$out"
step() { echo; echo "\$ mxflow $*"; "$mxflow" "$@"; }
step import "$data"
step show imported.expt
step find-spots imported.expt nproc=2
step index imported.expt strong.refl
step refine indexed.expt indexed.refl
echo
echo "demo outputs in $out:"
ls -l "$out"
