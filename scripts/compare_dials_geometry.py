#!/usr/bin/python3
"""Compare the geometry `mxflow import` finds with what `dials.import` finds.

Usage: compare_dials_geometry.py DATA [DATA ...] [--mxflow PATH] [--tolerance 1e-6]

DATA is what both programs are given: a NeXus master file, a folder, or CBF
images. Both run in a temporary folder; both imported.expt files are loaded
with dxtbx (check_format=False) and every geometry number is compared:
wavelength, s0, per panel origin / fast / slow / distance / pixel size / image
size / trusted range / beam centre in mm and in px (through each panel's own
px-mm strategy), rotation axis, fixed and setting rotation, image range and
oscillation. A table is printed; the exit status is 1 when any number differs
by more than the tolerance, or when `dials.show` fails on mxflow's file.

Run with the system python3 (/usr/bin/python3), which has dxtbx. For
bitshuffle-compressed NeXus data DIALS needs the HDF5 plugin path and libgomp
preloaded; this script sets both for the DIALS commands it runs.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

BITSHUFFLE_ENV = {
    "LD_PRELOAD": "/usr/lib/x86_64-linux-gnu/libgomp.so.1",
    "HDF5_PLUGIN_PATH": "/usr/lib/python3/dist-packages/bitshuffle/plugin",
}


def dials_env():
    env = dict(os.environ)
    for key, value in BITSHUFFLE_ENV.items():
        if os.path.exists(value.split(":")[0]):
            env[key] = value
    return env


def run(command, cwd, env=None):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-2000:] + result.stderr[-2000:])
        raise SystemExit(f"{' '.join(command)} failed with exit status {result.returncode}")
    return result.stdout


def default_mxflow():
    """The debug build beside this script's package, else mxflow on PATH."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for config in ("debug", "release"):
        candidate = os.path.join(root, ".build", config, "mxflow")
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("mxflow") or "mxflow"


def geometry(expt):
    """Every geometry number of one experiment as (name, tuple of floats)."""
    rows = []
    beam, detector = expt.beam, expt.detector
    s0 = beam.get_s0()
    rows.append(("beam.wavelength (Å)", (beam.get_wavelength(),)))
    rows.append(("beam.s0 (1/Å)", tuple(s0)))
    rows.append(("beam.direction", tuple(beam.get_sample_to_source_direction())))
    rows.append(("beam.polarization_normal", tuple(beam.get_polarization_normal())))
    rows.append(("beam.polarization_fraction", (beam.get_polarization_fraction(),)))
    try:
        hit_panel, hit_mm = detector.get_ray_intersection(s0)
    except RuntimeError:
        hit_panel, hit_mm = None, None
    for i, panel in enumerate(detector):
        p = f"panel[{i}]"
        rows.append((f"{p}.origin (mm)", tuple(panel.get_origin())))
        rows.append((f"{p}.fast_axis", tuple(panel.get_fast_axis())))
        rows.append((f"{p}.slow_axis", tuple(panel.get_slow_axis())))
        rows.append((f"{p}.distance (mm)", (panel.get_distance(),)))
        rows.append((f"{p}.pixel_size (mm)", tuple(panel.get_pixel_size())))
        rows.append((f"{p}.image_size (px)", tuple(float(v) for v in panel.get_image_size())))
        rows.append((f"{p}.trusted_range", tuple(panel.get_trusted_range())))
        rows.append((f"{p}.thickness (mm)", (panel.get_thickness(),)))
        rows.append((f"{p}.mu (1/mm)", (panel.get_mu(),)))
        if i == hit_panel:
            rows.append((f"{p}.beam_centre (mm)", tuple(hit_mm)))
            # millimeter_to_pixel applies the panel's own strategy (parallax when set).
            rows.append((f"{p}.beam_centre (px)", tuple(panel.millimeter_to_pixel(hit_mm))))
        rows.append((f"{p}.px_mm_strategy", (panel.get_px_mm_strategy().name(),)))
        rows.append((f"{p}.mask rectangles", (str([tuple(m) for m in panel.get_mask()]),)))
    gonio = expt.goniometer
    if gonio is not None:
        rows.append(("goniometer.rotation_axis", tuple(gonio.get_rotation_axis())))
        rows.append(("goniometer.rotation_axis_datum", tuple(gonio.get_rotation_axis_datum())))
        rows.append(("goniometer.fixed_rotation", tuple(gonio.get_fixed_rotation())))
        rows.append(("goniometer.setting_rotation", tuple(gonio.get_setting_rotation())))
    scan = expt.scan
    if scan is not None:
        rows.append(("scan.image_range", tuple(float(v) for v in scan.get_image_range())))
        rows.append(("scan.oscillation (deg)", tuple(scan.get_oscillation())))
        rows.append(("scan.batch_offset", (float(scan.get_batch_offset()),)))
        rows.append(("scan.exposure_time[0] (s)", (scan.get_exposure_times()[0],)))
    imageset = expt.imageset
    if imageset is not None:
        template = imageset.get_template() if hasattr(imageset, "get_template") else None
        rows.append(("imageset.template", (str(template),)))
    return rows


def compare(ref_rows, our_rows, tolerance):
    """Rows of (name, dials value, mxflow value, |Δ|, ok)."""
    ours = dict(our_rows)
    table = []
    for name, ref in ref_rows:
        mine = ours.pop(name, None)
        if mine is None:
            table.append((name, ref, "missing", "", False))
            continue
        if all(isinstance(v, float) for v in ref + mine) and len(ref) == len(mine):
            delta = max((abs(a - b) for a, b in zip(ref, mine)), default=0.0)
            table.append((name, ref, mine, f"{delta:.2e}", delta <= tolerance))
        else:
            table.append((name, ref, mine, "", ref == mine))
    for name, mine in ours.items():
        table.append((name, "missing", mine, "", False))
    return table


def show(value):
    if isinstance(value, tuple):
        return "(" + ", ".join(f"{v:.10g}" if isinstance(v, float) else str(v) for v in value) + ")"
    return str(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="+", help="master file, folder or CBF images")
    parser.add_argument("--mxflow", default=default_mxflow(), help="mxflow executable")
    parser.add_argument("--tolerance", type=float, default=1e-6)
    args = parser.parse_args()

    from dxtbx.model.experiment_list import ExperimentListFactory

    data = [os.path.abspath(d) for d in args.data]
    env = dials_env()
    with tempfile.TemporaryDirectory(prefix="compare_geometry_") as tmp:
        dials_dir, mx_dir = os.path.join(tmp, "dials"), os.path.join(tmp, "mxflow")
        os.mkdir(dials_dir)
        os.mkdir(mx_dir)
        run(["dials.import", *data], cwd=dials_dir, env=env)
        run([os.path.abspath(args.mxflow), "import", *data], cwd=mx_dir)
        ref = ExperimentListFactory.from_json_file(os.path.join(dials_dir, "imported.expt"), check_format=False)
        mine = ExperimentListFactory.from_json_file(os.path.join(mx_dir, "imported.expt"), check_format=False)

        failures = 0
        if len(ref) != len(mine):
            print(f"experiment count differs: DIALS {len(ref)}, mxflow {len(mine)}")
            failures += 1
        for k, (a, b) in enumerate(zip(ref, mine)):
            table = compare(geometry(a), geometry(b), args.tolerance)
            width = max(len(r[0]) for r in table)
            print(f"Experiment {k}: {'field':<{width - 6}}  {'DIALS':<40} {'mxflow':<40} {'|Δ|':>8}")
            for name, r, m, delta, ok in table:
                flag = "" if ok else "   <-- differs"
                print(f"  {name:<{width}}  {show(r):<40} {show(m):<40} {delta:>8}{flag}")
                failures += 0 if ok else 1

        # dials.show must read mxflow's file without complaint.
        shown = subprocess.run(["dials.show", "imported.expt"], cwd=mx_dir, env=env,
                               capture_output=True, text=True)
        if shown.returncode != 0 or "Traceback" in shown.stderr:
            print("dials.show failed on mxflow's imported.expt:")
            print(shown.stderr[-2000:])
            failures += 1
        else:
            print("dials.show reads mxflow's imported.expt cleanly")

    if failures:
        print(f"{failures} difference(s) beyond {args.tolerance:g}")
        return 1
    print(f"all geometry agrees within {args.tolerance:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
