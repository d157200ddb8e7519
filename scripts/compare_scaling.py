"""Prints the comparison of `mxflow scale` and `dials.scale` runs left by
scripts/compare_scaling.sh in WORKDIR/compare_mxflow and WORKDIR/compare_dials."""
import os
import re
import sys

HEADER = re.compile(r"^\s*d_max\s+d_min\s+#obs")


def stats_table(path):
    """The last merging-statistics table of a log as dicts by column name
    (shell rows, then the overall row); significance stars dropped."""
    lines = open(path, errors="replace").read().splitlines()
    starts = [i for i, l in enumerate(lines) if HEADER.match(l)]
    if not starts:
        return []
    names = lines[starts[-1]].split()
    rows = []
    for line in lines[starts[-1] + 1:]:
        parts = line.replace("*", "").split()
        row_names = names
        if len(parts) == len(names) - 1 and "r_anom" in names:
            # DIALS leaves r_anom blank where no anomalous pairs exist.
            row_names = [n for n in names if n != "r_anom"]
        if len(parts) != len(row_names):
            break
        try:
            rows.append(dict(zip(row_names, map(float, parts))))
        except ValueError:
            break
    return rows


def error_model(path):
    text = open(path, errors="replace").read()
    found = re.findall(r"a = ([0-9.]+), b = ([0-9.]+)", text)
    return tuple(map(float, found[-1])) if found else (float("nan"), float("nan"))


def intensity_choice(path):
    text = open(path, errors="replace").read()
    m = re.findall(r"(?:Intensities for scaling: |Combined intensities with )(.*?)(?: determined|$)", text, re.M)
    if "Profile intensities determined to be best" in text:
        return "prf only"
    if "Summation intensities determined to be best" in text:
        return "sum only"
    return m[-1].strip() if m else "?"


def resolution(path):
    if not os.path.exists(path):
        return float("nan")
    m = re.findall(r"Resolution cc_half:\s+([0-9.]+)", open(path, errors="replace").read())
    return float(m[-1]) if m else float("nan")


def main(work):
    mx_dir, di_dir = os.path.join(work, "compare_mxflow"), os.path.join(work, "compare_dials")
    mx = stats_table(os.path.join(mx_dir, "scale.out"))
    di = stats_table(os.path.join(di_dir, "dials.scale.log"))
    name = os.path.basename(os.path.normpath(work))
    print(f"== {name}: mxflow scale vs dials.scale on the same symmetrized.refl")
    ma, mb = error_model(os.path.join(mx_dir, "scale.out"))
    da, db = error_model(os.path.join(di_dir, "dials.scale.log"))
    print(f"error model a, b: mxflow {ma:.4f} {mb:.4f} | dials {da:.4f} {db:.4f}")
    print(f"intensities: mxflow {intensity_choice(os.path.join(mx_dir, 'scale.out'))} | "
          f"dials {intensity_choice(os.path.join(di_dir, 'dials.scale.log'))}")
    print(" d_min(mx) d_min(di)  nobs mx/di     I/s mx    I/s di  ratio   CC½ mx  CC½ di   CCano mx CCano di")
    for k, (a, b) in enumerate(zip(mx, di)):
        label = "overall" if k == len(mx) - 1 and len(mx) == len(di) else ""
        ratio = a["<I/sI>"] / b["<I/sI>"] if b["<I/sI>"] else float("nan")
        print(f"{a['d_min']:8.2f} {b['d_min']:8.2f} {a['#obs'] / b['#obs'] if b['#obs'] else 0:9.3f}"
              f" {a['<I/sI>']:9.2f} {b['<I/sI>']:9.2f} {ratio:6.3f}"
              f" {a['cc1/2']:8.3f} {b['cc1/2']:7.3f} {a['cc_ano']:9.3f} {b['cc_ano']:8.3f} {label}")
    if len(mx) != len(di):
        print(f"(tables differ in length: mxflow {len(mx)} rows, dials {len(di)} rows)")
    print("CC½ = 0.3 resolution (Å), estimated by:   mxflow   dials   difference")
    for side, d in (("mxflow-scaled", mx_dir), ("dials-scaled", di_dir)):
        a = resolution(os.path.join(d, "mxflow_resolution.out"))
        b = resolution(os.path.join(d, "dials_resolution.out"))
        print(f"  {side:>14} data                    {a:6.3f}  {b:6.3f}   {a - b:+.3f}")


if __name__ == "__main__":
    main(sys.argv[1])
