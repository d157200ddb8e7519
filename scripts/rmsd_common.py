#!/usr/bin/python3
"""Positional RMSDs of two refinements of the same spots, over the reflections both used.

usage: rmsd_common.py A.refl B.refl

Each refinement keeps its own outliers out, so their RMSDs are over slightly
different sets; this prints each file's RMSD (x, y px; z images) over its own
used_in_refinement reflections and over those both used, matched by the
observed centroid (the same strong.refl underlies both).
"""
import sys
import numpy as np
from dials.array_family import flex


def residuals(path):
    t = flex.reflection_table.from_file(path)
    t = t.select(t.get_flags(t.flags.used_in_refinement))
    obs = t["xyzobs.px.value"].as_numpy_array()
    cal = t["xyzcal.px"].as_numpy_array()
    return {tuple(np.round(o, 3)): r for o, r in zip(obs, obs - cal)}


def rms(values):
    r = np.array(values)
    return "x %.5f y %.5f z %.5f" % tuple(np.sqrt((r ** 2).mean(axis=0)))


a, b = (residuals(p) for p in sys.argv[1:3])
common = [k for k in a if k in b]
for path, r in zip(sys.argv[1:3], (a, b)):
    print(f"{path}: own {len(r)} {rms(list(r.values()))} | common {len(common)} {rms([r[k] for k in common])}")
