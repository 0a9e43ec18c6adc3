#!/usr/bin/python3
"""Would compressing /points/pass pay? Reads a result file's bitmask chunk by chunk (the
chunks are the scan's tiles) and deflates each chunk as HDF5's filters would (zlib, with and
without the byte shuffle), timing the compression on one core.

    tools/bench-compress.py RESULT.h5 [CSV]

Prints the compression ratio and the cost in ns per point, to compare with the kernel's
ns/point and with the disk time the saved bytes would have taken."""
import sys
import time
import zlib

import h5py
import numpy as np

path = sys.argv[1]
out = sys.argv[2] if len(sys.argv) > 2 else None
with h5py.File(path, "r") as f:
    d = f["/points/pass"]
    chunk = d.chunks
    data = d[...]
npts = data.size
# the chunks as the writer would see them (one tile each)
blocks = []
idx = [range(0, n, c) for n, c in zip(data.shape, chunk)]
for s in np.stack(np.meshgrid(*idx, indexing="ij"), -1).reshape(-1, data.ndim):
    sl = tuple(slice(a, a + c) for a, c in zip(s, chunk))
    blocks.append(np.ascontiguousarray(data[sl]))
raw = sum(b.nbytes for b in blocks)
rows = []
for name, level, shuffle in [("zlib-1", 1, False), ("shuffle+zlib-1", 1, True), ("zlib-6", 6, False),
                             ("shuffle+zlib-6", 6, True)]:
    best = None
    for _ in range(3):
        t0 = time.process_time()
        comp = 0
        for b in blocks:
            buf = b.view(np.uint8).reshape(-1, 2).T.copy() if shuffle else b
            comp += len(zlib.compress(buf.tobytes(), level))
        t = time.process_time() - t0
        best = t if best is None or t < best else best
    rows.append((name, raw, comp, raw / comp, best, best / npts * 1e9))
    print(f"{name:16s} {raw} -> {comp} bytes (ratio {raw / comp:.1f}), {best:.3f} s CPU, "
          f"{best / npts * 1e9:.2f} ns/point")
if out:
    with open(out, "w") as fh:
        fh.write("filter,raw_bytes,compressed_bytes,ratio,cpu_s,ns_per_point\n")
        for r in rows:
            fh.write("%s,%d,%d,%.3f,%.4f,%.3f\n" % r)
