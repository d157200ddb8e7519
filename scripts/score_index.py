#!/usr/bin/python3
"""Score indexed.expt/indexed.refl against a sweep's truth.json.

Usage: score_index.py SWEEP_DIR INDEXED_DIR [INDEXED_DIR ...]
For each lattice of each result: % of strong spots indexed, cell error
(lengths %, angles deg) and orientation error (deg) against the nearest true
lattice after the lattice's equivalent settings (unimodular integer
matrices with entries -1..1), RMSDs x, y (px) and phi (deg) over indexed
spots, and for two lattices the rotation between them vs the truth.
"""
import itertools, json, sys
import numpy as np
from dials.array_family import flex
from dxtbx.model.experiment_list import ExperimentListFactory

UNIMODULAR = []
for e in itertools.product((-1, 0, 1), repeat=9):
    m = np.array(e, float).reshape(3, 3)
    # det 1 (equivalent settings) to 4: a primitive lattice found for a
    # centred true cell (A_found = A_true·M with det M the centring multiplicity).
    if 0.5 < np.linalg.det(m) < 4.5:
        UNIMODULAR.append(np.linalg.inv(m))

def cell(a):
    real = np.linalg.inv(a)  # rows a, b, c
    va, vb, vc = real
    ang = lambda u, v: np.degrees(np.arccos(np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v)))
    return np.array([np.linalg.norm(va), np.linalg.norm(vb), np.linalg.norm(vc), ang(vb, vc), ang(vc, va), ang(va, vb)])

def compare(a_found, a_true):
    """Smallest rotation R with a_found = R a_true M; returns (angle, cell errors in the truth setting)."""
    best = None
    inv_true = np.linalg.inv(a_true)
    vol_ratio = abs(np.linalg.det(a_found) / np.linalg.det(a_true))
    for minv in UNIMODULAR:
        if abs(abs(1 / np.linalg.det(minv)) - vol_ratio) > 0.05 * vol_ratio:
            continue
        r = a_found @ minv @ inv_true
        if np.abs(r.T @ r - np.eye(3)).max() > 0.05:
            continue
        u, _, vt = np.linalg.svd(r)
        rot = u @ vt
        angle = np.degrees(np.arccos(np.clip((np.trace(rot) - 1) / 2, -1, 1)))
        if best is None or angle < best[0]:
            c = cell(a_found @ minv)
            best = (angle, c, rot)
    return best

def rotation_between(a1, a2):
    res = compare(a2, a1)
    return None if res is None else res[0]

def main():
    sweep = sys.argv[1]
    truth = json.load(open(f"{sweep}/truth.json"))
    true_as = [np.array(l["A"]).reshape(3, 3) for l in truth["lattices"]]
    true_cell = np.array(truth["unit_cell"], float)
    for d in sys.argv[2:]:
        el = ExperimentListFactory.from_json_file(f"{d}/indexed.expt", check_format=False)
        refl = flex.reflection_table.from_file(f"{d}/indexed.refl")
        ids = np.array(refl["id"])
        n = len(ids)
        print(f"== {d}: {n} spots, {(ids >= 0).sum() / n * 100:.1f}% indexed")
        found = []
        for i, e in enumerate(el):
            a = np.array(e.crystal.get_A()).reshape(3, 3)
            found.append(a)
            best = None
            for t, at in enumerate(true_as):
                r = compare(a, at)
                if r and (best is None or r[0] < best[1][0]):
                    best = (t, r)
            sel = refl.select(refl["id"] == i)
            obs = np.array(sel["xyzobs.px.value"]); cal = np.array(sel["xyzcal.px"])
            osc = e.scan.get_oscillation()[1]
            rx, ry, rz = np.sqrt(((cal - obs) ** 2).mean(axis=0))
            if best is None:
                print(f"  lattice {i}: no true lattice matches (cell {cell(a).round(3)})")
                continue
            t, (angle, c, _) = best
            tc = cell(true_as[t])
            dl = np.abs(c[:3] - tc[:3]) / tc[:3] * 100
            da = np.abs(c[3:] - tc[3:])
            print(f"  lattice {i} ~ true lattice {t}: {len(sel)} indexed ({len(sel)/n*100:.1f}%), "
                  f"cell {c.round(3)} max length err {dl.max():.3f}% max angle err {da.max():.3f} deg, "
                  f"orientation err {angle:.4f} deg, rmsd x {rx:.3f} px y {ry:.3f} px phi {rz*osc:.4f} deg")
        if len(found) >= 2 and len(true_as) >= 2:
            print(f"  rotation between lattices: found {rotation_between(found[0], found[1]):.3f} deg, "
                  f"truth {rotation_between(true_as[0], true_as[1]):.3f} deg (smallest over settings)")

main()
