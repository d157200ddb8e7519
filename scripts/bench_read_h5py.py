#!/usr/bin/python3
"""Times reading every frame of an NXmx sweep through h5py and HDF5's bitshuffle
plugin (one thread), the reference for `mxflow benchmark read`.

Usage: /usr/bin/python3 scripts/bench_read_h5py.py <master.h5> [repeats]
Needs the bitshuffle HDF5 plugin: the default plugin folder
(/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins) or
HDF5_PLUGIN_PATH=/usr/lib/python3/dist-packages/bitshuffle/plugin.
MB counts decoded pixels at 4 bytes each (10^6 bytes), as mxflow does.
"""
import sys
import time

import h5py
import numpy as np


def main():
    master = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with h5py.File(master, "r") as f:
        data = f["/entry/data/data"]
        n, ny, nx = data.shape
        buffer = np.empty((ny, nx), dtype=data.dtype)
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            for i in range(n):
                data.read_direct(buffer, np.s_[i, :, :])
            best = min(best, time.perf_counter() - t0)
    megabytes = n * ny * nx * 4 / 1e6
    print(f"{master}: {n} frames of {nx}x{ny}, h5py {h5py.__version__} + bitshuffle plugin")
    print(f"h5py 1 thread  {best:.3f} s  {n / best:.1f} frames/s  {megabytes / best:.1f} MB/s")


if __name__ == "__main__":
    main()
