#!/usr/bin/env bash
# Same-run comparison of `mxflow index` with `dials.index` on the same strong
# spots: for each shared sweep, dials.import and dials.find_spots (nproc=2, as
# compare_find_spots.sh) once, then both indexers back to back on that
# imported.expt + strong.refl with their defaults. Prints a markdown table:
# wall and CPU seconds (user + sys) of each, the DIALS/mxflow ratios, % of
# strong spots indexed, RMSDs (x, y px; phi deg) and cell error against the
# truth (scripts/score_index.py). Wall times depend on the machine's load;
# CPU seconds are the steadier measure of work.
# Usage: scripts/compare_index.sh OUTDIR [MXFLOW] [SWEEP...]
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: compare_index.sh OUTDIR [MXFLOW] [SWEEP...]}"
mxflow="${2:-$root/.build/release/mxflow}"
case "$mxflow" in /*) ;; *) mxflow="$(pwd)/$mxflow" ;; esac
shift 2 2>/dev/null || shift $#
data="${MXFLOW_SHARED_DATA:-$root/../shared/data}"
[ -d "$data" ] || data=/work/shared/data
export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1
export HDF5_PLUGIN_PATH=/usr/lib/python3/dist-packages/bitshuffle/plugin
sweeps=("$@")
[ ${#sweeps[@]} -eq 0 ] && for d in "$data"/*/; do [ -f "$d/truth.json" ] && sweeps+=("$(basename "$d")"); done
mkdir -p "$out"
now() { date +%s.%N; }
cpu() { awk '{print $1 + $2}' "$1"; }
# "% indexed, rmsd x/y/phi, max cell errors" of lattice 0 from score_index.py's output.
summary() {
  local s="$1"
  local pct rmsd err
  pct=$(grep -o '[0-9.]*% indexed' <<<"$s" | head -1 | sed 's/ indexed//')
  rmsd=$(grep -o 'rmsd x [0-9.]* px y [0-9.]* px phi [0-9.]* deg' <<<"$s" | head -1 | awk '{print $3 ", " $6 " px, " $9 "°"}')
  err=$(grep -o 'max length err [0-9.]*% max angle err [0-9.]* deg' <<<"$s" | head -1 | awk '{print $4 ", " $8 "°"}')
  [ -n "$pct" ] || pct="failed"
  grep -q "no true lattice matches" <<<"$s" && err="wrong lattice: $(grep -o 'cell \[[^]]*\]' <<<"$s" | head -1)"
  echo "$pct | ${rmsd:-–} | ${err:-–}"
}
echo "| sweep | spots | mxflow wall / CPU (s) | dials wall / CPU (s) | ratio wall / CPU | mxflow indexed | mxflow rmsd x, y, φ | mxflow cell err | dials indexed | dials rmsd x, y, φ | dials cell err |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for name in "${sweeps[@]}"; do
  dir="$data/$name"; w="$out/$name"
  mkdir -p "$w"
  (
    cd "$w" || exit 1
    if [ ! -f imported.expt ]; then
      if ls "$dir"/*_master.h5 >/dev/null 2>&1; then dials.import "$dir"/*_master.h5 >import.log 2>&1
      else dials.import "$dir"/*.cbf >import.log 2>&1; fi
    fi
    [ -f strong.refl ] || dials.find_spots imported.expt nproc=2 >find_spots.log 2>&1
    rm -rf mxflow dials; mkdir -p mxflow dials
    s=$(now)
    (cd mxflow && /usr/bin/time -f "%U %S" -o cpu.txt "$mxflow" index ../imported.expt ../strong.refl >index.log 2>&1)
    e=$(now); tm=$(echo "$e - $s" | bc)
    s=$(now)
    (cd dials && /usr/bin/time -f "%U %S" -o cpu.txt dials.index ../imported.expt ../strong.refl >index.log 2>&1)
    e=$(now); td=$(echo "$e - $s" | bc)
    spots=$(/usr/bin/python3 -c "from dials.array_family import flex; print(len(flex.reflection_table.from_file('strong.refl')))" 2>/dev/null)
    cm=$(cpu mxflow/cpu.txt); cd_=$(cpu dials/cpu.txt)
    sm=$([ -f mxflow/indexed.expt ] && /usr/bin/python3 "$root/scripts/score_index.py" "$dir" mxflow 2>&1)
    sd=$([ -f dials/indexed.expt ] && /usr/bin/python3 "$root/scripts/score_index.py" "$dir" dials 2>&1)
    printf "| %s | %s | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f | %s | %s |\n" "$name" "${spots:-?}" \
      "$tm" "$cm" "$td" "$cd_" "$(echo "$td / $tm" | bc -l)" "$(echo "$cd_ / $cm" | bc -l)" \
      "$(summary "$sm")" "$(summary "$sd")"
  )
done
echo
echo "Ratios are DIALS / mxflow (above 1: mxflow faster). Cell error: largest relative length error and angle error"
echo "of lattice 0 against truth.json in the truth's setting."
