#!/usr/bin/env libtbx.python
"""Score a strong-spot table against the truth of a synthetic sweep.

Usage: libtbx.python scripts/score_spots.py DATA_DIR IMPORTED.expt OURS.refl [DIALS.refl]

The truth: every reflection the true models in DATA_DIR/truth.expt (beam,
detector, goniometer, scan and each lattice's crystal) predict on the sweep
(DIALS' scan-static predictor, `from_predictions`). The models are placed in
the experiment of IMPORTED.expt, because DIALS' predictor gives almost nothing
for an experiment without an image set.
A predicted reflection counts as found when a strong spot lies within
1.5 px (x, y) and 1 frame (z) of its predicted position; centroid error is
the x, y distance to the nearest such spot.

Which predicted reflections are "strong" is not in the truth files, so three
reference sets are scored:
  * oracle-strong (the headline "truth strong" set): predictions whose counts
    in a 5×5 px × 3 image box at the TRUE position stand ≥ 5σ above the local
    background (median of the 9×9 px ring around the box on the same images),
    with no untrusted pixel in the box: what an ideal spot finder told where to
    look would see. It uses the images and the truth only, no spot finder.
    Recall is also given for the ≥ 10σ subset;
  * detectable: predictions that DIALS' own spot finder (DIALS.refl) found:
    the strong reflections of the sweep as the reference program sees them;
  * top-half: the half of the predictions with the largest true intensity
    (truth_intensities.csv.gz, I at the reflection's asymmetric-unit index,
    times the Lorentz factor), independent of any spot finder.
Prints one JSON line per sweep.
"""
import csv
import gzip
import json
import math
import os
import sys

import numpy as np
from scipy.spatial import cKDTree

from dials.array_family import flex
from dxtbx.model.experiment_list import ExperimentListFactory
from cctbx import crystal, miller


def predictions(data_dir, imported):
    el = ExperimentListFactory.from_json_file(os.path.join(data_dir, "truth.expt"), check_format=False)
    tables = []
    for i, truth in enumerate(el):
        e = ExperimentListFactory.from_json_file(imported, check_format=False)[0]
        for model in ("beam", "detector", "goniometer", "scan", "crystal"):
            setattr(e, model, getattr(truth, model))
        t = flex.reflection_table.from_predictions(e, padding=0)
        t["lattice"] = flex.int(t.size(), i)
        tables.append(t)
    out = tables[0]
    for t in tables[1:]:
        out.extend(t)
    return el, out


def true_intensity(data_dir, el, pred):
    """I(true) of each prediction at its asymmetric-unit index (Friedel pairs averaged), × Lorentz."""
    table = {}
    with gzip.open(os.path.join(data_dir, "truth_intensities.csv.gz"), "rt") as f:
        for row in csv.DictReader(f):
            table[(int(row["h"]), int(row["k"]), int(row["l"]))] = float(row["I"])
    info = json.load(open(os.path.join(data_dir, "truth.json")))
    cs = crystal.symmetry(unit_cell=info["unit_cell"], space_group_symbol=info["space_group"])
    ms = miller.set(cs, pred["miller_index"], anomalous_flag=False).map_to_asu()
    s0 = el[0].beam.get_s0()
    axis = el[0].goniometer.get_rotation_axis()
    values = []
    for hkl, s1 in zip(ms.indices(), pred["s1"]):
        i = table.get(hkl)
        if i is None:
            i = table.get((-hkl[0], -hkl[1], -hkl[2]), 0.0)
        # Lorentz factor 1/|e·(s1 × s0)| / |s0||s1| (rotation method).
        c = abs(np.dot(axis, np.cross(s1, s0))) / (np.linalg.norm(s0) * np.linalg.norm(s1))
        values.append(i / max(c, 1e-3))
    return np.array(values)


def oracle_significance(imported, pxyz):
    """Signal/σ of each prediction at its true position (see the module text); −1 where untrusted."""
    el = ExperimentListFactory.from_json_file(imported, check_format=True)
    imageset = el[0].imageset
    z0 = imageset.get_scan().get_array_range()[0]
    nimg = len(imageset)
    signal = np.zeros(len(pxyz))
    total = np.zeros(len(pxyz))
    bad = np.zeros(len(pxyz), dtype=bool)
    xi = np.floor(pxyz[:, 0]).astype(int)
    yi = np.floor(pxyz[:, 1]).astype(int)
    zi = np.floor(pxyz[:, 2]).astype(int) - z0
    static = np.array(imageset.get_mask(0)[0], dtype=bool).reshape(imageset.get_raw_data(0)[0].all())
    ny, nx = static.shape
    bad |= (xi < 4) | (yi < 4) | (xi >= nx - 4) | (yi >= ny - 4)
    for f in range(nimg):
        sel = np.where((np.abs(zi - f) <= 1) & ~bad)[0]
        if len(sel) == 0:
            continue
        img = imageset.get_raw_data(f)[0].as_numpy_array().astype(np.float64)
        ok = static & (img >= 0)
        for i in sel:
            x, y = xi[i], yi[i]
            box = img[y - 2:y + 3, x - 2:x + 3]
            boxok = ok[y - 2:y + 3, x - 2:x + 3]
            ring = img[y - 4:y + 5, x - 4:x + 5].copy()
            ringok = ok[y - 4:y + 5, x - 4:x + 5].copy()
            ringok[2:7, 2:7] = False
            if not boxok.all():
                bad[i] = True
                continue
            b = np.median(ring[ringok]) if ringok.any() else 0.0
            signal[i] += box.sum() - 25 * b
            total[i] += box.sum()
    return np.where(bad, -1.0, signal / np.sqrt(np.maximum(total, 1.0)))


def match(pred_xyz, obs_xyz):
    """For each prediction, the nearest observation within 1.5 px in x, y and 1 frame in z; −1 if none."""
    if len(obs_xyz) == 0:
        return np.full(len(pred_xyz), -1), np.full(len(pred_xyz), np.inf)
    tree = cKDTree(obs_xyz[:, :2])
    cand = tree.query_ball_point(pred_xyz[:, :2], r=1.5)
    idx = np.full(len(pred_xyz), -1)
    dist = np.full(len(pred_xyz), np.inf)
    for i, c in enumerate(cand):
        best = None
        for j in c:
            if abs(obs_xyz[j, 2] - pred_xyz[i, 2]) <= 1.0:
                d = math.hypot(*(obs_xyz[j, :2] - pred_xyz[i, :2]))
                if best is None or d < best[1]:
                    best = (j, d)
        if best:
            idx[i], dist[i] = best
    return idx, dist


def load_xyz(path):
    t = flex.reflection_table.from_file(path)
    return t, np.array(list(t["xyzobs.px.value"])).reshape(-1, 3)


def main():
    data_dir, imported, ours_path = sys.argv[1], sys.argv[2], sys.argv[3]
    dials_path = sys.argv[4] if len(sys.argv) > 4 else None
    el, pred = predictions(data_dir, imported)
    scan = el[0].scan
    z0, z1 = scan.get_array_range()
    pxyz = np.array(list(pred["xyzcal.px"])).reshape(-1, 3)
    inside = (pxyz[:, 2] >= z0) & (pxyz[:, 2] < z1)
    pred = pred.select(flex.bool(inside.tolist()))
    pxyz = pxyz[inside]
    ours, oxyz = load_xyz(ours_path)
    oi, od = match(pxyz, oxyz)
    result = {"sweep": os.path.basename(os.path.normpath(data_dir)), "predicted": int(len(pxyz)),
              "ours_spots": int(len(oxyz)), "ours_matched_predictions": int((oi >= 0).sum())}
    significance = oracle_significance(imported, pxyz)
    strong = significance >= 5
    result["oracle_strong"] = int(strong.sum())
    result["recall_of_oracle_strong"] = round(float((oi[strong] >= 0).mean()), 4) if strong.any() else None
    very = significance >= 10
    result["recall_of_oracle_10sigma"] = round(float((oi[very] >= 0).mean()), 4) if very.any() else None
    intensity = true_intensity(data_dir, el, pred)
    top = intensity >= np.median(intensity)
    result["top_half_recall"] = round(float((oi[top] >= 0).mean()), 4)
    if dials_path:
        dials, dxyz = load_xyz(dials_path)
        di, dd = match(pxyz, dxyz)
        detectable = di >= 0
        result["dials_spots"] = int(len(dxyz))
        result["count_ratio_ours_over_dials"] = round(len(oxyz) / max(1, len(dxyz)), 4)
        result["detectable"] = int(detectable.sum())
        result["recall_of_detectable"] = round(float((oi[detectable] >= 0).mean()), 4) if detectable.any() else None
        result["dials_top_half_recall"] = round(float((di[top] >= 0).mean()), 4)
        result["dials_recall_of_oracle_strong"] = round(float((di[strong] >= 0).mean()), 4) if strong.any() else None
        result["dials_mean_centroid_error_px"] = round(float(dd[di >= 0].mean()), 4) if (di >= 0).any() else None
    result["mean_centroid_error_px"] = round(float(od[oi >= 0].mean()), 4) if (oi >= 0).any() else None
    print(json.dumps(result))


if __name__ == "__main__":
    main()
