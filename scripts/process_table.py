"""Markdown tables from scripts/compare_process.sh's folders: end to end
(wall, space group, CC vs truth, ratio) and wall per step for both programs."""
import json, os, re, sys

out, sweeps = sys.argv[1], sys.argv[2:]

def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def wall(time_txt):
    try:
        txt = open(time_txt).read()
    except OSError:
        return None
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", txt)
    if not m:
        return None
    s = 0.0
    for p in m.group(1).split(":"):
        s = s * 60 + float(p)
    return s

def verdict(score):
    if not score:
        return "no merged.mtz"
    sg = score.get("space_group_found", "?")
    note = "" if score.get("same_space_group") else (" (enantiomorph)" if score.get("enantiomorph_of_true") else " (wrong)")
    return f"{sg}{note}, CC {score.get('cc_truth', float('nan')):.4f}"

# DIALS steps and the mxflow nodes doing the same work.
steps = [("import", ["import"]), ("find_spots", ["find_spots"]), ("index", ["index"]),
         ("refine", ["refine"]), ("integrate", ["integrate"]), ("symmetry", ["symmetry"]),
         ("scale", ["scale", "estimate_resolution"]), ("merge", ["merge"])]

print("| sweep | mxflow process | DIALS step sequence | ratio | mxflow result | DIALS result |")
print("|---|---|---|---|---|---|")
rows = []
for name in sweeps:
    m = os.path.join(out, name, "mxflow"); d = os.path.join(out, name, "dials")
    mx = load(os.path.join(m, "mxflow.json")) or {}
    dt = load(os.path.join(d, "timings.json")) or {}
    mw = wall(os.path.join(m, "time.txt"))
    dw = dt.get("total_wall_s")
    failed = dt.get("failed_step")
    ratio = f"{dw / mw:.1f}×" if mw and dw else "—"
    dres = verdict(load(os.path.join(d, "score.json")))
    if failed:
        dres = f"failed at {failed}; " + dres
    mres = verdict(load(os.path.join(m, "score.json"))) if mx.get("status") == "success" else f"failed: {mx.get('failure')}"
    print(f"| {name} | {mw:.1f} s | {dw:.1f} s | {ratio} | {mres} | {dres} |" if mw and dw else
          f"| {name} | {mw} | {dw} | {ratio} | {mres} | {dres} |")
    rows.append((name, mx, dt))

print()
print("Wall seconds per step, mxflow / DIALS (mxflow's refine includes the Bravais-lattice choice; "
      "DIALS' scale includes dials.estimate_resolution):")
print()
print("| sweep | " + " | ".join(s for s, _ in steps) + " |")
print("|---|" + "---|" * len(steps))
for name, mx, dt in rows:
    mine = {}
    for s in mx.get("steps", []):
        mine[s["name"]] = mine.get(s["name"], 0) + s.get("seconds", 0)
    theirs = {s["step"]: s.get("wall_s") or 0 for s in dt.get("steps", [])}
    cells = []
    for step, dials_steps in steps:
        a = mine.get(step)
        b = sum(theirs.get(x, 0) for x in dials_steps) if any(x in theirs for x in dials_steps) else None
        cells.append(f"{a:.1f} / {b:.1f}" if a is not None and b is not None else
                     f"{a:.1f} / —" if a is not None else f"— / {b:.1f}" if b is not None else "—")
    print(f"| {name} | " + " | ".join(cells) + " |")
