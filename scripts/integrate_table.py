#!/usr/bin/python3
"""Markdown tables of scripts/compare_integrate.sh's runs.

usage: integrate_table.py DATA_DIR OUTDIR SWEEP [SWEEP ...]

OUTDIR/SWEEP/{mxflow,dials}/ hold each program's integrated.expt/.refl,
time.txt (/usr/bin/time -v) and integrate.log. Truth: DATA_DIR/SWEEP/truth.json.
σ_b of the simulation as a profile model sees it: the beam divergence and the
detector's point-spread (psf_px pixels at the distance, as an angle) added in
quadrature; σ_m: the simulated mosaicity (σ of the rocking curve, DIALS' sigma_m).
"""
import json, math, os, re, subprocess, sys

data, out, sweeps = sys.argv[1], sys.argv[2], sys.argv[3:]
here = os.path.dirname(os.path.abspath(__file__))


def timing(path):
    """(wall s, user+sys s, peak RSS MB) from /usr/bin/time -v output, or None."""
    try:
        t = open(path).read()
    except OSError:
        return None
    def grab(p):
        m = re.search(p, t)
        return m.group(1) if m else None
    w = grab(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)")
    if w is None:
        return None
    sec = 0.0
    for part in w.split(":"):
        sec = sec * 60 + float(part)
    cpu = float(grab(r"User time \(seconds\): ([\d.]+)") or 0) + float(grab(r"System time \(seconds\): ([\d.]+)") or 0)
    rss = int(grab(r"Maximum resident set size \(kbytes\): (\d+)") or 0) / 1024
    status = int(grab(r"Exit status: (\d+)") or 0)
    return sec, cpu, rss, status


def profile(expt):
    """(σ_b, σ_m) in degrees of the first experiment's gaussian_rs profile."""
    try:
        p = json.load(open(expt))["profile"][0]
        return p["sigma_b"], p["sigma_m"]
    except (OSError, KeyError, IndexError, ValueError):
        return None


def scores(truth_dir, files):
    """score_integration.py's prf results of each file, the first file's shell limits for all."""
    r = subprocess.run(["/usr/bin/python3", os.path.join(here, "score_integration.py"), "--common-shells", "--json",
                        truth_dir] + files, capture_output=True, text=True)
    got = {}
    for line in r.stdout.splitlines():
        try:
            s = json.loads(line)
        except ValueError:
            continue
        if s["kind"] == "prf":
            got[s["file"]] = s
    return [got.get(f) for f in files]


def lattice_note(name, tj, expt):
    """What DIALS' refined input holds against the truth: fewer lattices, or a cell of the wrong volume."""
    try:
        e = json.load(open(expt))
    except (OSError, ValueError):
        return None
    true_n = len(tj.get("lattices", [])) or 1
    crystals = e.get("crystal", [])
    if not crystals:
        return None
    import numpy as np
    c = crystals[0]
    vol = abs(np.linalg.det(np.array([c["real_space_a"], c["real_space_b"], c["real_space_c"]])))
    a, b, cc, al, be, ga = tj["unit_cell"]
    ca, cb, cg = (math.cos(math.radians(x)) for x in (al, be, ga))
    true_vol = a * b * cc * math.sqrt(1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg)
    true_vol /= {"P": 1, "C": 2, "A": 2, "B": 2, "I": 2, "F": 4, "R": 3}.get(tj["space_group"].strip()[0], 1)
    notes = []
    if abs(vol / true_vol - round(vol / true_vol)) > 0.05 or round(vol / true_vol) != 1:
        notes.append("DIALS' refined cell has %.2f× the true primitive cell's volume (a wrong lattice): both programs "
                     "integrate that lattice, so its σ_m and CC measure the indexing, not integration" % (vol / true_vol))
    if len(crystals) < true_n:
        notes.append("DIALS indexed %d of the %d lattices: both programs integrate the same one" % (len(crystals), true_n))
    return "%s: %s." % (name, "; ".join(notes)) if notes else None


rows, shell_rows, notes = [], [], []
short_shells, short_sigma = 0, 0
for name in sweeps:
    tj = json.load(open(os.path.join(data, name, "truth.json")))
    prof = tj["profile"]
    psf_deg = math.degrees(math.atan(prof["psf_px"] * tj["detector"]["pixel_mm"] / tj["distance_mm"]))
    true_b = math.hypot(prof["sigma_b_deg"], psf_deg)
    true_m = prof["sigma_m_deg"]
    m_dir, d_dir = os.path.join(out, name, "mxflow"), os.path.join(out, name, "dials")
    note = lattice_note(name, tj, os.path.join(out, name, "refined.expt"))
    if note:
        notes.append(note)
    tm, td = timing(os.path.join(m_dir, "time.txt")), timing(os.path.join(d_dir, "time.txt"))
    pm, pd = profile(os.path.join(m_dir, "integrated.expt")), profile(os.path.join(d_dir, "integrated.expt"))
    files = [f for f in (os.path.join(m_dir, "integrated.refl"), os.path.join(d_dir, "integrated.refl")) if os.path.exists(f)]
    sc = dict(zip(files, scores(os.path.join(data, name), files))) if files else {}
    sm, sd = sc.get(os.path.join(m_dir, "integrated.refl")), sc.get(os.path.join(d_dir, "integrated.refl"))

    def run_cell(t):
        if t is None:
            return "failed"
        return "%.1f / %.1f / %.0f" % t[:3] + ("" if t[3] == 0 else " (exit %d)" % t[3])
    ratio = "–"
    if tm and td:
        ratio = "%.1f× / %.1f× / %.1f×" % (td[0] / tm[0], td[1] / max(tm[1], 1e-3), td[2] / max(tm[2], 1e-3))

    def sig(p, i, truth, scale=1.0):
        if p is None:
            return "–"
        err = 100 * (p[i] * scale - truth) / truth
        return "%.4f° (%s%+.0f%%)" % (p[i], "÷√2: " if scale != 1 else "", err)
    if pm and abs(pm[1] - true_m) > 0.15 * true_m:
        short_sigma += 1
    cc = lambda s: "%.4f (%d)" % (s["cc"], s["n"]) if s else "–"
    rows.append("| %s | %s | %s | %s | %s / %s / %.4f° | %s / %s / %.4f° | %s | %s |" % (
        name, run_cell(tm), run_cell(td), ratio, sig(pm, 0, true_b), sig(pd, 0, true_b, 0.5 ** 0.5), true_b,
        sig(pm, 1, true_m) + (" ✗" if pm and abs(pm[1] - true_m) > 0.15 * true_m else ""),
        sig(pd, 1, true_m), true_m, cc(sm), cc(sd)))
    if sm and sd:
        cells = []
        for (hi, lo, nm, cm), (_, _, nd, cd) in zip(sm["shells"], sd["shells"]):
            below = cm < cd
            short_shells += below
            cells.append("%s%.2f: %.4f / %.4f" % ("✗ " if below else "", lo, cm, cd))
        shell_rows.append("| %s | %.1f | %s |" % (name, sm["shells"][0][0], " | ".join(cells)))

print("| sweep | mxflow wall / CPU s / RSS MB | DIALS wall / CPU s / RSS MB | DIALS/mxflow wall / CPU / RSS "
      "| σ_b mxflow / DIALS / truth | σ_m mxflow / DIALS / truth | mxflow prf CC (n) | DIALS prf CC (n) |")
print("|---|---|---|---|---|---|---|---|")
print("\n".join(rows))
print()
print("Profile-fitted CC vs truth per resolution shell, mxflow / DIALS, shells of equal numbers of mxflow's")
print("reflections, the same limits for DIALS' (the cell's first figure: the shell's d_min in Å); ✗: mxflow below DIALS.")
print()
print("| sweep | d_max Å | " + " | ".join("shell %d" % (i + 1) for i in range(8)) + " |")
print("|---|---|" + "---|" * 8)
print("\n".join(shell_rows))
print()
print("σ_b truth: beam divergence and the detector PSF (psf_px at the distance) in quadrature, per axis; DIALS' σ_b is")
print("√2 larger by its definition (the mean Σc·|Δ|²/Σc over both axes, 2σ² for a circular Gaussian, without the √½),")
print("so its error is given for σ_b/√2. σ_m truth: the simulated")
print("mosaicity; (±%%) the error against them, ✗ where mxflow's σ_m is more than 15 %% off. "
      "%d shell(s) with mxflow below DIALS; %d sweep(s) with mxflow's σ_m more than 15 %% off." % (short_shells, short_sigma))
for n in notes:
    print()
    print(n)
