#!/usr/bin/env bash
# Runs mxflow's steps in sequence on one sweep — import, find-spots, index,
# refine-bravais-settings, reindex (highest-symmetry recommended setting),
# refine, integrate, symmetry, scale, merge — in WORKDIR, and scores
# merged.mtz against the sweep's truth with ../shared/tools/score.py when a
# truth.json sits beside the data. The fixed sequence that `mxflow process`
# will drive with retries; used to measure the steps end to end.
#   scripts/run_chain.sh DATA_DIR_OR_MASTER WORKDIR [scale options…]
# REFINE_OPTIONS (environment) adds options to refine, e.g. scan_varying=False.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mxflow="${MXFLOW:-$root/.build/release/mxflow}"
data="$1"; work="$2"; shift 2
truth="$data"; [ -f "$data" ] && truth="$(dirname "$data")"
input="$data"
if [ -d "$data" ] && ls "$data"/*_master.h5 >/dev/null 2>&1; then input=$(ls "$data"/*_master.h5 | head -1); fi
case "$input" in /*) ;; *) input="$PWD/$input" ;; esac
case "$truth" in /*) ;; *) truth="$PWD/$truth" ;; esac
mkdir -p "$work"; cd "$work"
start=$(date +%s.%N)
run() { echo "\$ mxflow $*" >> chain.log; "$mxflow" "$@" >> chain.log 2>&1; }
run import "$input"
run find-spots imported.expt nproc=2
run index imported.expt strong.refl
run refine-bravais-settings indexed.expt indexed.refl
solution=$(/usr/bin/python3 -c "
import json; d = json.load(open('bravais_summary.json'))
print(max(int(k) for k, v in d.items() if v.get('recommended')))")
run reindex indexed.expt indexed.refl solution="$solution"
run refine reindexed.expt reindexed.refl ${REFINE_OPTIONS:-}
run integrate refined.expt refined.refl nproc=2
run symmetry integrated.expt integrated.refl
run scale symmetrized.expt symmetrized.refl "$@"
run merge scaled.expt scaled.refl
end=$(date +%s.%N)
printf "%s: all steps %.1f s wall; log in %s/chain.log\n" "$(basename "$truth")" "$(echo "$end - $start" | bc)" "$work"
score="$root/../shared/tools/score.py"
if [ -f "$truth/truth.json" ] && [ -f "$score" ]; then
  /usr/bin/python3 "$score" merged.mtz "$truth" | /usr/bin/python3 -c "
import json, sys; d = json.load(sys.stdin)
print({k: d.get(k) for k in ['space_group_true', 'space_group_found', 'cc_truth', 'r_truth', 'anom_diff_cc_truth']})"
fi
