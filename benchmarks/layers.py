"""Layer benchmark: kgen layers next to plain-numpy baselines, measured in one run.

    python benchmarks/layers.py [--quick]

Prints (no pass/fail) milliseconds and the ratio kgen / numpy (below 1: kgen is faster):
  - Conv2D layer, batch 8, 32x32x16 -> 32 filters 3x3 'same' + relu: numpy im2col
    (sliding_window_view + one matmul) vs `layers.Conv2D(...)(x)`;
  - LSTM layer, batch 32, 50 steps, 32 features -> 64 units: a numpy loop (inputs projected
    for all steps with one matmul, then one recurrent matmul per step) vs `layers.LSTM(64)(x)`;
  - a small CNN `predict` (Conv2D 32 -> MaxPool -> Conv2D 64 -> MaxPool -> Flatten ->
    Dense 10 softmax) on 64 MNIST-sized images: the numpy pipeline vs `model.predict`.

Every kgen call runs under `no_grad` (inference, like `predict`). The numpy baselines are
checked against kgen's outputs before timing. Timing: best of several cycles of a warm-up
call and N timed calls per candidate (see `best_of`); on a small noisy VM expect +-30%.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

from kgen.engine.tensor import no_grad  # noqa: E402
from kgen.keras import Input, Sequential, layers  # noqa: E402


def best_of(fns, rounds, cycles=5):
    """Best seconds per candidate: `cycles` passes over the candidates, each a warm-up call and
    `rounds` timed calls after a short pause. Cycling spreads the slow phases of a noisy
    machine (BLAS threads still spinning from the previous call, other load) over both."""
    best = [float("inf")] * len(fns)
    for _ in range(cycles):
        for i, fn in enumerate(fns):
            time.sleep(0.1)
            fn()
            for _ in range(rounds):
                t = time.perf_counter()
                fn()
                best[i] = min(best[i], time.perf_counter() - t)
    return best


# ----------------------------------------------------------------------------- numpy baselines


def np_conv2d_same(x, w, b):
    KH, KW, Cin, Cout = w.shape
    ph, pw = KH - 1, KW - 1
    xp = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    win = sliding_window_view(xp, (KH, KW), axis=(1, 2))  # (N, H, W, Cin, KH, KW)
    N, H, W = win.shape[:3]
    cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(N * H * W, KH * KW * Cin)
    return (cols @ w.reshape(-1, Cout) + b).reshape(N, H, W, Cout)


def np_conv2d_valid(x, w, b):
    KH, KW, Cin, Cout = w.shape
    win = sliding_window_view(x, (KH, KW), axis=(1, 2))
    N, H, W = win.shape[:3]
    cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(N * H * W, KH * KW * Cin)
    return (cols @ w.reshape(-1, Cout) + b).reshape(N, H, W, Cout)


def np_maxpool2(x):
    N, H, W, C = x.shape
    x = x[:, : H // 2 * 2, : W // 2 * 2]
    return x.reshape(N, H // 2, 2, W // 2, 2, C).max(axis=(2, 4))


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_lstm(x, kernel, recurrent, bias):
    N, T, _ = x.shape
    u = recurrent.shape[0]
    xp = x @ kernel + bias
    h = np.zeros((N, u), np.float32)
    c = np.zeros((N, u), np.float32)
    for t in range(T):
        z = xp[:, t] + h @ recurrent
        i, f, o = np_sigmoid(z[:, :u]), np_sigmoid(z[:, u:2 * u]), np_sigmoid(z[:, 3 * u:])
        c = f * c + i * np.tanh(z[:, 2 * u:3 * u])
        h = o * np.tanh(c)
    return h


def np_small_cnn(x, weights):
    k1, b1, k2, b2, dk, db = weights
    y = np_maxpool2(np.maximum(np_conv2d_valid(x, k1, b1), 0))
    y = np_maxpool2(np.maximum(np_conv2d_valid(y, k2, b2), 0))
    z = y.reshape(len(y), -1) @ dk + db
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ----------------------------------------------------------------------------- benchmarks


def _value(t):
    return np.asarray(t.data if hasattr(t, "data") else t)


def bench_conv2d(rng, rounds):
    x = rng.normal(size=(8, 32, 32, 16)).astype(np.float32)
    layer = layers.Conv2D(32, 3, padding="same", activation="relu")
    layer(x)
    w, b = layer.get_weights()

    def kgen():
        with no_grad():
            return _value(layer(x))

    def numpy():
        return np.maximum(np_conv2d_same(x, w, b), 0)

    np.testing.assert_allclose(kgen(), numpy(), rtol=1e-4, atol=1e-4)
    return ("Conv2D 8x32x32x16 -> 32, 3x3 same", *best_of([kgen, numpy], rounds))


def bench_lstm(rng, rounds):
    x = rng.normal(size=(32, 50, 32)).astype(np.float32)
    layer = layers.LSTM(64)
    layer(x)
    kernel, recurrent, bias = layer.get_weights()

    def kgen():
        with no_grad():
            return _value(layer(x))

    def numpy():
        return np_lstm(x, kernel, recurrent, bias)

    np.testing.assert_allclose(kgen(), numpy(), rtol=1e-4, atol=1e-5)
    return ("LSTM 32x50x32 -> 64 units", *best_of([kgen, numpy], rounds))


def bench_small_cnn(rng, rounds):
    x = rng.uniform(size=(64, 28, 28, 1)).astype(np.float32)
    model = Sequential([
        Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    weights = model.get_weights()

    def kgen():
        return model.predict(x, batch_size=64)

    def numpy():
        return np_small_cnn(x, weights)

    np.testing.assert_allclose(kgen(), numpy(), rtol=1e-4, atol=1e-5)
    return ("small CNN predict, 64 images 28x28x1", *best_of([kgen, numpy], rounds))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer timed rounds")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 8
    rng = np.random.default_rng(0)
    rows = [bench(rng, rounds) for bench in (bench_conv2d, bench_lstm, bench_small_cnn)]
    width = max(len(name) for name, _, _ in rows)
    print(f"{'benchmark'.ljust(width)}  {'kgen ms':>9}  {'numpy ms':>9}  {'kgen/numpy':>10}")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 9}  {'-' * 10}")
    for name, kgen, numpy in rows:
        print(f"{name.ljust(width)}  {kgen * 1e3:9.2f}  {numpy * 1e3:9.2f}  {kgen / numpy:9.2f}x")


if __name__ == "__main__":
    main()
