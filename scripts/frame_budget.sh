#!/bin/bash
# Where a frame's CPU time goes in mxflow find-spots: perf samples of one run
# (nproc=2) grouped by stage and divided by the number of images, in ms.
# Usage: scripts/frame_budget.sh IMPORTED_EXPT [MXFLOW_BINARY]
# Stages: decode (bitshuffle-LZ4 or CBF byte offset and parsing), background
# pass, core stage, labelling (connected components, measurement), threshold
# plan, kernel, other (start-up, opening, writing, the rest).
# FB_EXTRA adds parameters to the run: FB_EXTRA=decode_only=True gives the
# budget of the decode-only pass, the reference of find-spots' speed target.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
expt=${1:?imported.expt}
mxflow=${2:-$here/.build/release/mxflow}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
perf record -F 10000 -o "$work/perf.data" "$mxflow" find-spots "$expt" nproc=2 ${FB_EXTRA:-} \
  output.reflections="$work/strong.refl" output.log="$work/find_spots.log" >/dev/null 2>&1
images=$(grep -oE "(on|Decoded) [0-9]+ images" "$work/find_spots.log" | awk '{print $2}')
perf report -i "$work/perf.data" --no-children --sort symbol -F sample,symbol 2>/dev/null \
  | grep -v '^#' | python3 -c '
import collections, sys
images, hz = int(sys.argv[1]), 10000
stages = [("decode", ("bitUnshuffle", "mx_unshuffle", "LZ4_decompress", "CBFByteOffset", "CBFFile", "CBFImageSource")),
          ("background pass", ("BackgroundPass",)), ("core stage", ("CoreStage",)),
          ("labelling", ("ConnectedComponents", "SpotMeasurement", "SpotAssembly")),
          ("threshold plan", ("ThresholdPlan",))]
ms = collections.Counter()
for line in sys.stdin:
    parts = line.split(None, 2)
    if len(parts) < 3 or not parts[0].isdigit():
        continue
    n, symbol = int(parts[0]), parts[2]
    name = next((s for s, keys in stages if any(k in symbol for k in keys)), None)
    if name is None:
        name = "kernel" if parts[1] == "[k]" else "other"
    ms[name] += 1000.0 * n / hz / images
print(" ".join(f"{s}={ms[s]:.2f}" for s in [s for s, _ in stages] + ["kernel", "other"]), f"(ms per image, {images} images)")
' "$images"
