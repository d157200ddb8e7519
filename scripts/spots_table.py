#!/usr/bin/env python3
"""Markdown table of spot-finding scores from scripts/compare_find_spots.sh output.

Usage: scripts/spots_table.py COMPARE_OUTPUT
Reads the score_spots.py JSON lines (one per sweep) and prints, per sweep,
mxflow's and DIALS' spot counts, the oracle-strong reflections and their
recall (≥ 5σ and ≥ 10σ), recall of the reflections DIALS found, the strong
reflections that share their box with another (scored apart), the mean
centroid error, and the oracle's false-positive rate on boxes of background.
"""
import json
import sys


def main():
    rows = []
    for line in open(sys.argv[1]):
        line = line.strip()
        if line.startswith("{"):
            rows.append(json.loads(line))
    if not rows:
        print("(no scores: score_spots.py did not run)")
        return
    print("| sweep | spots (mxflow / DIALS) | oracle-strong | recall of oracle ≥5σ (mxflow / DIALS) | of oracle ≥10σ "
          "| of DIALS-found | sharing a box: strong, recall | centroid error, px (mxflow / DIALS) "
          "| oracle's null: ≥5σ rate |")
    print("|---|---|---|---|---|---|---|---|---|")
    for d in rows:
        def f(key):
            v = d.get(key)
            return "—" if v is None else f"{v:.4f}"
        print(f"| {d['sweep']} | {d['ours_spots']} / {d.get('dials_spots', '—')} | {d.get('oracle_strong', '—')} | "
              f"{f('recall_of_oracle_strong')} / {f('dials_recall_of_oracle_strong')} | "
              f"{f('recall_of_oracle_10sigma')} | {f('recall_of_detectable')} | "
              f"{d.get('oracle_strong_sharing_a_box', '—')}, {f('recall_of_strong_sharing_a_box')} | "
              f"{f('mean_centroid_error_px')} / {f('dials_mean_centroid_error_px')} | {d.get('null_rate_5sigma', '—')} |")

if __name__ == "__main__":
    main()
