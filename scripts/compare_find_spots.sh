#!/bin/bash
# Runs dials.find_spots and mxflow find-spots (nproc=2) back to back on every
# sweep in ../shared/data, plus mxflow's decode-only pass, and scores both
# tables against the truth with score_spots.py. Usage:
#   scripts/compare_find_spots.sh WORKDIR [MXFLOW_BINARY]
# Prints one line per sweep: images, wall seconds and images/s of each run,
# CPU seconds (user + sys, children included) of each, mxflow peak memory, and
# the score JSON, and the frame rates each run logs for its own pass over the
# frames (best of the repeats; start-up, opening and writing left out). On a shared machine wall times depend on the load; CPU
# seconds are the steadier comparison of work done. mxflow's find-spots and
# decode-only runs are repeated (REPEAT, default 3) and the fastest of each kept.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:?work directory}
mxflow=${2:-$here/.build/release/mxflow}
repeat=${REPEAT:-3}
data=$(cd "$here/../shared/data" 2>/dev/null && pwd || echo /work/shared/data)
export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1
export HDF5_PLUGIN_PATH=/usr/lib/python3/dist-packages/bitshuffle/plugin
mkdir -p "$work"
now() { date +%s.%N; }
cpu() { awk '{print $1 + $2}' "$1"; }
for d in "$data"/*/; do
  n=$(basename "$d"); mkdir -p "$work/$n"; cd "$work/$n"
  if [ ! -f imported.expt ]; then
    if ls "$d"/*_master.h5 >/dev/null 2>&1; then dials.import "$d"/*_master.h5 >import.log 2>&1
    else dials.import "$d"/*.cbf >import.log 2>&1; fi
  fi
  images=$(libtbx.python -c "from dxtbx.model.experiment_list import ExperimentListFactory as F; print(F.from_json_file('imported.expt', check_format=False)[0].scan.get_num_images())")
  s=$(now); /usr/bin/time -f "%U %S" -o dials.cpu dials.find_spots imported.expt nproc=2 output.reflections=dials_strong.refl >dials_fs.log 2>&1; e=$(now)
  tdials=$(echo "$e - $s" | bc)
  # mxflow's two runs alternate $repeat times; each keeps its fastest (wall, and that run's CPU).
  tmx=1000000; tdec=1000000; rmx=0; rdec=0
  rate() { grep -o "([0-9.]* images/s" "$1" | tr -d '(' | awk '{print $1}'; }
  for _ in $(seq "$repeat"); do
    s=$(now); /usr/bin/time -f "%U %S" -o mxflow.cpu.try "$mxflow" find-spots imported.expt nproc=2 output.reflections=mxflow_strong.refl >mxflow_fs.log 2>&1; e=$(now)
    t=$(echo "$e - $s" | bc)
    if [ "$(echo "$t < $tmx" | bc)" = 1 ]; then tmx=$t; cp mxflow.cpu.try mxflow.cpu; fi
    r=$(rate mxflow_fs.log); if [ "$(echo "$r > $rmx" | bc)" = 1 ]; then rmx=$r; fi
    s=$(now); /usr/bin/time -f "%U %S" -o decode.cpu.try "$mxflow" find-spots imported.expt nproc=2 decode_only=True output.log=decode.log >decode.out 2>&1; e=$(now)
    t=$(echo "$e - $s" | bc)
    if [ "$(echo "$t < $tdec" | bc)" = 1 ]; then tdec=$t; cp decode.cpu.try decode.cpu; fi
    r=$(rate decode.log); if [ "$(echo "$r > $rdec" | bc)" = 1 ]; then rdec=$r; fi
  done
  rm -f mxflow.cpu.try decode.cpu.try
  mem=$(grep -o "Peak memory.*" mxflow_fs.log | grep -o "[0-9.]* MiB")
  printf "%s images=%s wall: dials=%.2fs(%.1f/s) mxflow=%.2fs(%.1f/s) decode=%.2fs(%.1f/s) speedup=%.2f mx/decode=%.2f | cpu: dials=%.2fs mxflow=%.2fs decode=%.2fs ratio=%.2f mx/decode=%.2f | frame rate in-process: mxflow=%.0f/s decode=%.0f/s decode/mx=%.2f | mem=%s\n" \
    "$n" "$images" "$tdials" "$(echo "$images / $tdials" | bc -l)" "$tmx" "$(echo "$images / $tmx" | bc -l)" \
    "$tdec" "$(echo "$images / $tdec" | bc -l)" "$(echo "$tdials / $tmx" | bc -l)" "$(echo "$tmx / $tdec" | bc -l)" \
    "$(cpu dials.cpu)" "$(cpu mxflow.cpu)" "$(cpu decode.cpu)" "$(echo "$(cpu dials.cpu) / $(cpu mxflow.cpu)" | bc -l)" \
    "$(echo "$(cpu mxflow.cpu) / $(cpu decode.cpu)" | bc -l)" "$rmx" "$rdec" "$(echo "$rdec / $rmx" | bc -l)" "$mem"
  [ "${SKIP_SCORE:-0}" = 1 ] || libtbx.python "$here/scripts/score_spots.py" "$d" imported.expt mxflow_strong.refl dials_strong.refl
done
