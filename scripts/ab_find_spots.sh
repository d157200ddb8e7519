#!/bin/bash
# A/B timing of two mxflow builds' find-spots on the same imported.expt files,
# with the second build's decode-only pass as the reference. Usage:
#   scripts/ab_find_spots.sh WORKDIR BASE_MXFLOW NEW_MXFLOW [SWEEP...]
# WORKDIR/SWEEP/imported.expt must exist (scripts/compare_find_spots.sh makes
# them). The three runs alternate N times (default 5), nproc=2; the best wall
# of each is printed with the ratios to decode-only, and whether the two
# strong.refl files are byte-identical.
set -euo pipefail
work=${1:?work directory}; base=${2:?base mxflow}; new=${3:?new mxflow}; shift 3
n=${N:-5}
[ $# -gt 0 ] || set -- $(cd "$work" && ls -d */ | tr -d /)
wall() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
for sweep in "$@"; do
  cd "$work/$sweep"
  b=1000; h=1000; d=1000
  for _ in $(seq "$n"); do
    t=$(wall "$base" find-spots imported.expt nproc=2 output.reflections=ab_base.refl output.log=ab_base.log)
    [ "$(echo "$t < $b" | bc)" = 1 ] && b=$t
    t=$(wall "$new" find-spots imported.expt nproc=2 output.reflections=ab_new.refl output.log=ab_new.log)
    [ "$(echo "$t < $h" | bc)" = 1 ] && h=$t
    t=$(wall "$new" find-spots imported.expt nproc=2 decode_only=True output.log=ab_decode.log)
    [ "$(echo "$t < $d" | bc)" = 1 ] && d=$t
  done
  cmp -s ab_base.refl ab_new.refl && same=identical || same=different
  printf "%s base=%.3fs new=%.3fs decode=%.3fs base/decode=%.2f new/decode=%.2f strong.refl %s\n" "$sweep" "$b" "$h" "$d" \
    "$(echo "$b / $d" | bc -l)" "$(echo "$h / $d" | bc -l)" "$same"
done
