#!/usr/bin/env bash
# The README's main-job command: `mxflow process` on the bundled simulated
# Se-SAD sweep testdata/sim_p43212_se_nxmx (anomalous preset), then prints
# where the MTZ and the report are, and the score against the truth when the
# shared scorer is present.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mxflow="${1:-$root/.build/release/mxflow}"
out="${2:-$root/out/demo}"
case "$mxflow" in /*) ;; *) mxflow="$root/$mxflow" ;; esac
case "$out" in /*) ;; *) out="$root/$out" ;; esac
mkdir -p "$out"
"$mxflow" process "$root/testdata/sim_p43212_se_nxmx/sim_p43212_se_nxmx_master.h5" \
  output_dir="$out" pipeline=anomalous nproc="$(nproc)"
scorer="$root/../shared/tools/score.py"
if [ -f "$scorer" ] && [ -x /usr/bin/python3 ]; then
  echo
  echo "Score against the truth ($scorer):"
  /usr/bin/python3 "$scorer" "$out/merged.mtz" "$root/testdata/sim_p43212_se_nxmx" 2>/dev/null \
    | grep -E '"(space_group_found|cc_truth|cc_anom_truth)"' | head -4 || true
fi
