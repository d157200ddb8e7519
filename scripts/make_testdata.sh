#!/bin/sh
# Regenerates testdata/<name>/ from testdata/specs/<name>.json with
# `mxflow simulate` (release build). Output is byte-identical for a given spec.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
mxflow=${MXFLOW:-$root/.build/release/mxflow}
[ -x "$mxflow" ] || { echo "make_testdata: $mxflow not built (swift build -c release)" >&2; exit 1; }
for spec in "$root"/testdata/specs/*.json; do
    name=$(basename "$spec" .json)
    rm -rf "$root/testdata/$name"
    "$mxflow" simulate "$spec" "$root/testdata/$name" nproc=2
done
