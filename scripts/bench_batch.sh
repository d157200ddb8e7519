#!/usr/bin/env bash
# Throughput of mxflow batch: the testdata sweeps, copied to make N sweeps, run
# one after another (jobs=1, each process given every core) and two at a time
# (jobs=2, each given half the cores), on this machine.
#   scripts/bench_batch.sh [mxflow binary] [copies of each testdata sweep (default 2: 6 sweeps)]
#   PROCESS_EXE=other scripts/bench_batch.sh …
# Prints wall time, sweeps per minute and the speed-up; every sweep must end done.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mxflow="$(realpath "${1:-$here/../.build/release/mxflow}")"
copies="${2:-2}"
cores=$(nproc)
work=$(mktemp -d /tmp/mxflow-bench-batch.XXXXXX)
trap 'rm -rf "$work"' EXIT

# PROCESS_EXE=path runs another program with mxflow process's command line
# and mxflow.json contract for each sweep (batch.mxflow=).
extra=()
if [ -n "${PROCESS_EXE:-}" ]; then extra=("batch.mxflow=$PROCESS_EXE")
elif ! "$mxflow" --help | grep -q '^  process '; then
  echo "bench_batch: $mxflow has no 'process' subcommand" >&2; exit 1
fi

# Copies under new names: NXmx masters link their data file by name, so the
# data file keeps its name and each copy lives in its own folder.
n=0
for k in $(seq "$copies"); do
  for src in "$here"/../testdata/sim_*/; do
    name=$(basename "$src")
    dst="$work/data/${name}_c$k"
    mkdir -p "$dst"
    if ls "$src"/*_master.h5 >/dev/null 2>&1; then
      ln -s "$(realpath "$src")"/*.h5 "$dst/"
    else
      for f in "$src"/*.cbf; do
        b=$(basename "$f"); ln -s "$(realpath "$f")" "$dst/${b/${name}_/${name}_c${k}_}"
      done
    fi
    n=$((n + 1))
  done
done

run() {  # label jobs
  local out="$work/out_$1"
  local t0 t1
  t0=$(date +%s.%N)
  "$mxflow" batch "$work/data" "$out" jobs="$2" nproc="$cores" "${extra[@]}" > "$work/$1.log" 2>&1 || {
    echo "bench_batch: batch $1 failed:" >&2; tail -20 "$work/$1.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  local secs; secs=$(echo "$t1 - $t0" | bc -l)
  printf '%-28s %3d sweeps  %7.1f s  %6.2f sweeps/min\n' "$1 (jobs=$2, nproc=$((cores / $2)) each)" "$n" "$secs" \
    "$(echo "60 * $n / $secs" | bc -l)"
  echo "$secs"  > "$work/$1.seconds"
}

echo "mxflow batch throughput on $cores cores, $n sweeps ($copies copies of each testdata sweep); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
run sequential 1
run parallel 2
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg) (figures mean little when the machine is busy with other work)"
printf 'speed-up of jobs=2 over one after another: %.2f\n' \
  "$(echo "$(cat "$work/sequential.seconds") / $(cat "$work/parallel.seconds")" | bc -l)"
