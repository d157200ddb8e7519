#!/bin/sh
# Runs DIALS (import, find_spots, index, refine, integrate, scale) on a sweep
# simulated by `mxflow simulate` and checks the indexed cell against
# truth.json: every cell length and angle within 0.5 % of the truth (compared
# as reduced Niggli cells of the primitive lattice, so the check does not
# depend on the setting DIALS chooses), then moves to the true space
# group's Bravais setting (refine_bravais_settings, reindex, refine), integrates,
# runs dials.symmetry and dials.scale, and checks the scaled cell too; prints
# the beam-centre error and the scaling summary.
#
#   scripts/dials_crosscheck.sh testdata/sim_p43212_se_nxmx [workdir]
# Exit status 0 when the cell agrees, 1 when it does not, 2 on a DIALS failure.
set -u
sweep=$(cd "$1" && pwd)
work=${2:-$(mktemp -d /tmp/dials_crosscheck.XXXXXX)}
mkdir -p "$work" && cd "$work" || exit 2
# Bitshuffle frames inside DIALS need the HDF5 plugin and OpenMP preloaded.
export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libgomp.so.1
export HDF5_PLUGIN_PATH=/usr/lib/python3/dist-packages/bitshuffle/plugin
nproc=${NPROC:-2}
master=$(ls "$sweep"/*_master.h5 2>/dev/null | head -1)
if [ -n "$master" ]; then images="$master"; else images=$(ls "$sweep"/*.cbf); fi
sg=$(libtbx.python -c "import json,sys; print(json.load(open(sys.argv[1]))['space_group'].replace(' ',''))" "$sweep/truth.json")
run() { echo "+ $*"; "$@" > "$1.out" 2>&1 || { tail -20 "$1.out"; echo "FAILED: $1"; exit 2; }; }
echo "sweep: $sweep   work: $work   space group: $sg"
run dials.import $images
run dials.find_spots imported.expt nproc=$nproc
grep -E "spots found on" dials.find_spots.out
run dials.index imported.expt strong.refl
grep -A3 "% indexed" dials.index.out | tail -2 | head -1
run dials.refine_bravais_settings indexed.expt indexed.refl
# The Bravais setting of the truth's crystal family with the best metric fit.
pick=$(libtbx.python - "$sweep/truth.json" <<'PY'
import json, sys
from cctbx import sgtbx
from cctbx.sgtbx import bravais_types
truth = json.load(open(sys.argv[1]))
family = str(bravais_types.bravais_lattice(group=sgtbx.space_group_info(truth["space_group"]).group()))[0]
summary = json.load(open("bravais_summary.json"))
best = min((v["max_angular_difference"], int(k)) for k, v in summary.items() if v["bravais"][0] == family)
print(best[1], summary[str(best[1])]["cb_op"])
PY
)
set -- $pick
echo "Bravais setting $1 (cb_op $2)"
run dials.reindex indexed.refl change_of_basis_op="$2"
run dials.refine bravais_setting_$1.expt reindexed.refl
run dials.integrate refined.expt refined.refl nproc=$nproc
run dials.symmetry integrated.expt integrated.refl
grep -E "Best solution|Recommended space group" dials.symmetry.out | head -2
run dials.scale symmetrized.expt symmetrized.refl
libtbx.python - "$sweep/truth.json" indexed.expt scaled.expt <<'PY'
import json, sys
from cctbx import crystal, uctbx
from dxtbx.model.experiment_list import ExperimentListFactory
truth = json.load(open(sys.argv[1]))
def niggli(cell, sg):
    return crystal.symmetry(unit_cell=cell, space_group_symbol=sg).primitive_setting().niggli_cell().unit_cell()
t = niggli(truth["unit_cell"], truth["space_group"])
ok = True
for label, path in (("P1 index", sys.argv[2]), ("scaled (dials.symmetry)", sys.argv[3])):
    xtal = ExperimentListFactory.from_json_file(path, check_format=False)[0].crystal
    cs = xtal.get_crystal_symmetry()
    found = cs.primitive_setting().niggli_cell().unit_cell()
    similar = found.is_similar_to(t, relative_length_tolerance=0.005, absolute_angle_tolerance=0.45)
    worst = max(abs(a - b) / b for a, b in zip(found.parameters(), t.parameters()))
    print("%-22s cell %s" % (label, " ".join("%.3f" % v for v in cs.unit_cell().parameters())))
    print("%-22s Niggli %s vs truth %s: worst relative difference %.3f%% -> %s" % (
        "", " ".join("%.2f" % v for v in found.parameters()), " ".join("%.2f" % v for v in t.parameters()),
        100 * worst, "OK" if similar else "MISMATCH"))
    ok = ok and similar
el = ExperimentListFactory.from_json_file(sys.argv[3], check_format=False)[0]
p, s0 = el.detector[0], el.beam.get_s0()
bx, by = p.get_bidirectional_ray_intersection(s0)
tx, ty = truth["beam_centre_mm_true"]; hx, hy = truth["beam_centre_mm_header"]
print("beam centre (mm): refined %.3f %.3f  true %.3f %.3f  header %.3f %.3f" % (bx, by, tx, ty, hx, hy))
sys.exit(0 if ok else 1)
PY
status=$?
grep -E "Overall +Low +High|High resolution limit|Low resolution limit|Completeness  |Multiplicity  |I/sigma  |CC half  |Anomalous correlation" dials.scale.out | head -9
exit $status
