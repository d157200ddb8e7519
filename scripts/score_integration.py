#!/usr/bin/python3
"""Scores integrated.refl files against a simulated sweep's true intensities.

usage: score_integration.py [--common-shells] [--json] TRUTH_DIR integrated.refl [integrated.refl ...]

For each file: reflections integrated by profile fitting (and by summation),
intensities corrected as I·lp/qe/partiality (partiality ≥ 0.5 only), indices
mapped to the true space group's ASU (trying the lattice's twinning/indexing
ambiguities and keeping the best), then the Pearson CC with the true
intensity (Iplus/Iminus by the index's Friedel sense) per resolution shell.
Shells hold equal numbers of each file's matched reflections; with
--common-shells the first file's shell limits are used for every file (so
two programs' CCs compare shell by shell). --json prints one JSON object per
line instead of the text table.
"""
import csv, gzip, json, os, sys
import numpy as np
from dials.array_family import flex
from cctbx import miller, crystal, sgtbx

args = [a for a in sys.argv[1:] if not a.startswith("--")]
common_shells = "--common-shells" in sys.argv
as_json = "--json" in sys.argv
truth_dir = args[0]
tj = json.load(open(os.path.join(truth_dir, "truth.json")))
path = os.path.join(truth_dir, "truth_intensities.csv")
op = gzip.open if not os.path.exists(path) else open
path = path if os.path.exists(path) else path + ".gz"
truth = {}
with op(path, "rt") as f:
    for r in csv.DictReader(f):
        truth[(int(r["h"]), int(r["k"]), int(r["l"]))] = (float(r["Iplus"]), float(r["Iminus"]))
sg = (sgtbx.space_group_info(symbol=tj["space_group_hall"], table_id="hall") if "space_group_hall" in tj
      else sgtbx.space_group_info(number=tj["space_group_number"])).group()
cell = tj["unit_cell"]
sym = crystal.symmetry(unit_cell=cell, space_group=sg)
ops = [sgtbx.change_of_basis_op(o) for o in ("h,k,l", "k,h,-l", "-h,-k,l", "k,h,l", "-h,k,-l", "h,-k,-l", "-k,-h,-l", "l,k,h")]

def to_truth_setting(t, refl_path):
    """Indices in the truth's setting: h' = A_true⁻¹·A·h (same orientation at φ = 0), from the .expt beside the .refl."""
    from dxtbx.model.experiment_list import ExperimentListFactory
    from scitbx import matrix
    expt = refl_path[:-5] + ".expt"
    truth_expt = os.path.join(truth_dir, "truth.expt")
    if not (os.path.exists(expt) and os.path.exists(truth_expt)):
        return t["miller_index"]
    a = matrix.sqr(ExperimentListFactory.from_json_file(expt, check_format=False)[0].crystal.get_A())
    at = matrix.sqr(ExperimentListFactory.from_json_file(truth_expt, check_format=False)[0].crystal.get_A())
    m = at.inverse() * a
    out = flex.miller_index()
    for h in t["miller_index"]:
        v = m * matrix.col(h)
        out.append(tuple(int(round(x)) for x in v))
    return out

def score(refl_path, kind, edges=None):
    t = flex.reflection_table.from_file(refl_path)
    t["miller_index"] = to_truth_setting(t, refl_path)
    flag = t.flags.integrated_prf if kind == "prf" else t.flags.integrated_sum
    t = t.select(t.get_flags(flag))
    t = t.select(t["partiality"] >= 0.5)
    I = np.array(t["intensity.%s.value" % kind]) * np.array(t["lp"]) / np.array(t["qe"]) / np.array(t["partiality"])
    d = np.array(t["d"])
    best = None
    for cb in ops:
        try:
            idx = cb.apply(t["miller_index"])
        except Exception:
            continue
        ms = miller.set(sym, idx, anomalous_flag=True)
        asu = ms.map_to_asu()
        tr = []
        for (h, k, l) in asu.indices():
            key = (h, k, l)
            if key in truth: tr.append(truth[key][0]); continue
            key = (-h, -k, -l)
            if key in truth: tr.append(truth[key][1]); continue
            tr.append(np.nan)
        tr = np.array(tr)
        ok = np.isfinite(tr)
        cc = np.corrcoef(I[ok], tr[ok])[0, 1] if ok.sum() > 10 else -1
        if best is None or cc > best[0]: best = (cc, tr, str(cb))
    cc, tr, cb = best
    ok = np.isfinite(tr)
    order = np.argsort(-d[ok])
    Iv, tv, dv = I[ok][order], tr[ok][order], d[ok][order]
    shells = []
    if edges is None:
        for b in np.array_split(np.arange(len(dv)), 8):
            shells.append((float(dv[b[0]]), float(dv[b[-1]]), len(b), float(np.corrcoef(Iv[b], tv[b])[0, 1])))
    else:
        # Cuts halfway between neighbouring shells' limits; the outer shells take everything beyond.
        cuts = [0.5 * (edges[i][1] + edges[i + 1][0]) for i in range(len(edges) - 1)]
        for i, (hi, lo) in enumerate(edges):
            sel = np.ones(len(dv), bool)
            if i > 0: sel &= dv <= cuts[i - 1]
            if i < len(cuts): sel &= dv > cuts[i]
            n = int(sel.sum())
            cc_s = float(np.corrcoef(Iv[sel], tv[sel])[0, 1]) if n > 2 else float("nan")
            shells.append((hi, lo, n, cc_s))
    return {"file": refl_path, "kind": kind, "n": int(ok.sum()), "cc": float(cc), "cb_op": cb, "shells": shells}

edges = {}
for p in args[1:]:
    for kind in ("prf", "sum"):
        s = score(p, kind, edges.get(kind))
        if common_shells and kind not in edges:
            edges[kind] = [(a, b) for a, b, _, _ in s["shells"]]
        if as_json:
            print(json.dumps(s))
            continue
        print("%s %s: n=%d CC=%.4f (%s)" % (s["file"], kind, s["n"], s["cc"], s["cb_op"]))
        for a, b, n, c in s["shells"]:
            print("   %6.2f-%6.2f  n=%5d  CC=%.4f" % (a, b, n, c))
