"""Engine kernel benchmark: kgen kernels next to numpy, measured in one run.

    python benchmarks/engine.py [--quick]

Prints (no pass/fail):
  - conv2d batch 8, 32x32x16 -> 32 filters 3x3 'same' NHWC: a numpy im2col baseline
    (sliding_window_view + one matmul) vs kgen `conv2d` (which takes its Winograd path on
    this problem) and kgen's im2col path (what `conv2d` ran before): ms and ratio;
  - matmul 256/512/1024 square float32: numpy `a @ b`, kgen `matmul` (BLAS), kgen
    `matmul_tiled` (hand-written numba): GFLOP/s and ratio to numpy;
  - numba compile time: a subprocess with NUMBA_CACHE_DIR pointing at a fresh directory
    imports the CPU kernels and calls each once (cold), then a second subprocess with the same
    cache directory does it again (warm: cached machine code is loaded, nothing compiled).

Timing: `time.perf_counter`, warm-up call first, best of N calls; repeated over a few
cycles through the candidates (see `best_of`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402


def best_of(fns: dict, rounds: int, cycles: int = 3) -> dict:
    """{name: best seconds}: `cycles` times over the candidates, each gets a warm-up call and
    then `rounds` timed calls in a row, after a short pause.  Blocks and pauses (not
    call-by-call interleaving) because OpenBLAS's idle threads keep spinning for ~0.1 s
    after an sgemm and slow down whichever numba parallel kernel runs right after (on 2 cores
    that is up to 2x); cycling spreads slow phases of a noisy VM over all candidates."""
    best = {name: float("inf") for name in fns}
    for _ in range(cycles):
        for name, fn in fns.items():
            time.sleep(0.2)
            fn()
            for _ in range(rounds):
                t = time.perf_counter()
                fn()
                best[name] = min(best[name], time.perf_counter() - t)
    return best


def numpy_conv2d_im2col(x, w, padding):
    """Baseline: pad, sliding_window_view, one (N*Ho*Wo, KH*KW*Cin) @ (KH*KW*Cin, Cout) matmul."""
    (pt, pb), (pl, pr) = padding
    KH, KW, Cin, Cout = w.shape
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    win = sliding_window_view(xp, (KH, KW), axis=(1, 2))  # (N, Ho, Wo, Cin, KH, KW), a view
    N, Ho, Wo = win.shape[:3]
    cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(N * Ho * Wo, KH * KW * Cin)  # the copy
    return (cols @ w.reshape(KH * KW * Cin, Cout)).reshape(N, Ho, Wo, Cout)


def table(header, rows):
    """Aligned text table: numbers right-aligned, text left-aligned."""

    def numeric(cell):
        return cell.rstrip("x").replace(".", "", 1).isdigit()

    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths)), "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append("  ".join(c.rjust(w) if numeric(c) else c.ljust(w) for c, w in zip(r, widths)))
    return "\n".join(out)


def bench_matmul(K, sizes, rounds):
    rows = []
    rng = np.random.default_rng(0)
    for n in sizes:
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        np.testing.assert_allclose(K.matmul_tiled(a, b), a @ b, rtol=1e-3, atol=1e-3)
        best = best_of({"numpy": lambda: a @ b, "matmul": lambda: K.matmul(a, b), "tiled": lambda: K.matmul_tiled(a, b)}, rounds)
        flop = 2.0 * n**3
        for name, label in (("numpy", "numpy a @ b"), ("matmul", "kgen matmul"), ("tiled", "kgen matmul_tiled")):
            rows.append([f"{n}", label, f"{best[name] * 1e3:.3f}", f"{flop / best[name] / 1e9:.1f}", f"{best['numpy'] / best[name]:.2f}x"])
    return table(["n", "impl", "ms", "GFLOP/s", "vs numpy"], rows)


def bench_conv(K, rounds):
    from kgen.engine.kernels.cpu import conv

    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 32, 32, 16), dtype=np.float32)
    w = rng.standard_normal((3, 3, 16, 32), dtype=np.float32)
    pad = ((1, 1), (1, 1))
    ref = numpy_conv2d_im2col(x, w, pad)
    np.testing.assert_allclose(K.conv2d(x, w, (1, 1), (1, 1), pad), ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(conv._conv2d_im2col(x, w, (1, 1), (1, 1), pad), ref, rtol=1e-4, atol=1e-4)
    best = best_of(
        {
            "numpy": lambda: numpy_conv2d_im2col(x, w, pad),
            "kgen": lambda: K.conv2d(x, w, (1, 1), (1, 1), pad),
            "im2col": lambda: conv._conv2d_im2col(x, w, (1, 1), (1, 1), pad),
        },
        rounds,
    )
    # direct-conv flop count for every row (Winograd does fewer multiplications: the
    # GFLOP/s of the public conv2d row is "effective")
    flop = 2.0 * 8 * 32 * 32 * 32 * 3 * 3 * 16
    rows = [
        [label, f"{best[k] * 1e3:.3f}", f"{flop / best[k] / 1e9:.1f}", f"{best['numpy'] / best[k]:.2f}x"]
        for k, label in (
            ("numpy", "numpy im2col + matmul"),
            ("kgen", "kgen conv2d (Winograd F(2x2,3x3))"),
            ("im2col", "kgen im2col path (conv2d before)"),
        )
    ]
    return table(["conv2d 8x32x32x16 -> 32, 3x3 same", "ms", "GFLOP/s", "vs numpy"], rows)


def compile_probe():
    """Run in a subprocess: time importing the CPU kernels and calling each one once."""
    t0 = time.perf_counter()
    from kgen.engine.kernels import cpu as K

    t1 = time.perf_counter()
    x = np.ones((1, 5, 5, 2), np.float32)
    w = np.ones((3, 3, 2, 2), np.float32)
    x3 = np.ones((1, 3, 5, 5, 2), np.float32)
    w3 = np.ones((2, 3, 3, 2, 2), np.float32)
    a2 = ((1, 1), (1, 1), ((1, 1), (1, 1)))
    a3 = ((1, 1, 1), (1, 1, 1), ((1, 1), (1, 1), (1, 1)))
    p2 = ((2, 2), (1, 1), ((0, 0), (0, 0)))
    p3 = ((2, 2, 2), (1, 1, 1), ((0, 0), (0, 0), (0, 0)))
    m = np.ones((4, 4), np.float32)
    K.matmul(m, m)
    K.matmul_tiled(m, m)
    y = K.conv2d(x, w, *a2)
    K.conv2d_grad_input(y, w, x.shape, *a2)
    K.conv2d(np.ones((1, 64, 64, 2), np.float32), w, *a2)  # >= 1024 tiles: the Winograd path
    K.conv2d_grad_weight(x, y, w.shape, *a2)
    y = K.depthwise_conv2d(x, w, *a2)
    K.depthwise_conv2d_grad_input(y, w, x.shape, *a2)
    K.depthwise_conv2d_grad_weight(x, y, w.shape, *a2)
    y = K.conv3d(x3, w3, *a3)
    K.conv3d_grad_input(y, w3, x3.shape, *a3)
    K.conv3d_grad_weight(x3, y, w3.shape, *a3)
    for mode in ("max", "avg"):
        K.pool2d_grad(x, K.pool2d(x, *p2, mode), *p2, mode)
        K.pool3d_grad(x3, K.pool3d(x3, *p3, mode), *p3, mode)
    for f in (K.relu, K.sigmoid, K.tanh, K.softmax, K.log_softmax, K.erf):
        f(m)
    K.relu_grad(m, m)
    K.softmax_grad(m, m)
    K.scatter_add_rows(K.gather_rows(m, np.array([0, 3])), np.array([0, 3]), 4)
    t2 = time.perf_counter()
    print(json.dumps({"import": t1 - t0, "first_calls": t2 - t1}))


def bench_compile():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    rows = []
    with tempfile.TemporaryDirectory(prefix="kgen-numba-cache-") as cache:
        env["NUMBA_CACHE_DIR"] = cache
        for label in ("cold (empty cache)", "warm (cached)"):
            t = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--compile-probe"],
                env=env, capture_output=True, text=True, check=True,
            )
            total = time.perf_counter() - t
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append([label, f"{r['import']:.2f}", f"{r['first_calls']:.2f}", f"{total:.2f}"])
    return table(["numba compile, all CPU kernels", "import s", "first calls s", "process s"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--compile-probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.compile_probe:
        compile_probe()
        return
    from kgen.engine.kernels import cpu as K

    import numba

    # Kept short, and the load average is printed: on a shared 2-core machine any other busy
    # process (a test run next door) halves or worse what one run measures (a 1024 sgemm
    # went from 10 ms to 40-80 ms during such a run); best-of-N filters short disturbances only.
    rounds = 3 if args.quick else 8
    print(f"numpy {np.__version__}, numba {numba.__version__}, {os.cpu_count()} cpus, "
          f"numba threads {numba.get_num_threads()}, threading layer after first kernel: ", end="")
    K.relu(np.ones(4, np.float32))
    print(numba.threading_layer(), f", OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")
    if hasattr(os, "getloadavg"):
        print("load average before the run (1/5/15 min): %.2f %.2f %.2f" % os.getloadavg())
    print()
    print(bench_conv(K, rounds * 4))
    print()
    print(bench_matmul(K, (256, 512, 1024), rounds))
    print()
    print(bench_compile())


if __name__ == "__main__":
    main()
