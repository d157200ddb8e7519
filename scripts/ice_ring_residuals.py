#!/usr/bin/env python3
"""Intensity residuals against the truth across the ice rings.

Usage: /usr/bin/python3 scripts/ice_ring_residuals.py SCALED_UNMERGED.mtz TRUTH_DIR [FALLOFF_B]

For each ice ring (3.897, 3.669, 3.441, 2.671 Å) prints, in 0.01 Å steps of
d - d_ring, the mean and median of I - k·I_true and the mean σ, where
I_true is the truth's intensity times exp(-B/(2d²)) (the truth leaves out
the simulation's falloff B, given as FALLOFF_B, default the truth's
spec.falloff_b) and k the least-squares scale over ±0.3 Å of the ring.
A background that misses a ring's shape shows as residuals of several σ
on the crest (0) and of the other sign on the flanks.
"""
import csv, gzip, json, os, sys

import gemmi
import numpy as np

RINGS = (3.897, 3.669, 3.441, 2.671)


def truth_intensities(truth_dir):
    path = os.path.join(truth_dir, "truth_intensities.csv.gz")
    opener = gzip.open if os.path.exists(path) else open
    path = path if os.path.exists(path) else path[:-3]
    with opener(path, "rt") as f:
        return {(int(r["h"]), int(r["k"]), int(r["l"])): float(r["I"]) for r in csv.DictReader(f)}


def main():
    mtz_path, truth_dir = sys.argv[1], sys.argv[2]
    spec = json.load(open(os.path.join(truth_dir, "truth.json"))).get("spec", {})
    b = float(sys.argv[3]) if len(sys.argv) > 3 else float(spec.get("falloff_b", 0) or 0)
    truth = truth_intensities(truth_dir)
    mtz = gemmi.read_mtz_file(mtz_path)
    data = np.array(mtz, copy=False)
    labels = [c.label for c in mtz.columns]
    col = lambda name: data[:, labels.index(name)]
    hkl = np.stack([col("H"), col("K"), col("L")], axis=1).astype(int)
    i_obs, sigma = col("I"), col("SIGI")
    # Unmerged indices are in the asymmetric unit of the data's group; the truth's too (P1 sweeps here).
    d = np.array([mtz.cell.calculate_d(list(h)) for h in hkl])
    t = np.array([truth.get(tuple(h), truth.get(tuple(-h), np.nan)) for h in hkl])
    ok = ~np.isnan(t)
    t_b = t * np.exp(-b / (2 * d * d))
    print(f"{mtz_path}: {ok.sum()} observations matched; falloff B {b} Å²")
    for ring in RINGS:
        near = ok & (np.abs(d - ring) < 0.3)
        if near.sum() < 20:
            continue
        k = np.sum(i_obs[near] * t_b[near]) / np.sum(t_b[near] ** 2)
        print(f"ring {ring} Å (k = {k:.1f})")
        for lo in np.arange(-0.06, 0.06, 0.01):
            sel = near & (d - ring >= lo) & (d - ring < lo + 0.01)
            if sel.sum() < 3:
                continue
            r = i_obs[sel] - k * t_b[sel]
            print(f"  d - d_ring {lo:+.2f}: n {sel.sum():3d}  mean {r.mean():7.1f}  median {np.median(r):7.1f}"
                  f"  mean σ {sigma[sel].mean():5.1f}")


if __name__ == "__main__":
    main()
