"""Training benchmark: seconds per epoch of kgen's fit next to a plain-numpy training loop.

    python benchmarks/train.py [--quick] [--epochs N]

Two models, each trained on the same random data, with the same initial weights, batches
(no shuffling) and optimizer (SGD, learning rate 0.01) in both implementations:

  - MLP 784-256-256-10 (relu, relu, softmax), 10,000 samples, batch 128, categorical
    crossentropy: 79 steps per epoch;
  - small CNN on 28x28x1 images: Conv2D(8, 3, relu) -> MaxPooling2D(2) -> Conv2D(16, 3, relu)
    -> MaxPooling2D(2) -> Flatten -> Dense(10, softmax), 2,000 samples, batch 64.

The numpy reference is written out by hand below (forward, backward, update; convolution as
sliding_window_view + one matmul, the usual im2col). After timing, the benchmark checks that
both implementations end the epoch with the same weights (so they did the same work).

Timing: one warm-up epoch each (numba compile, caches), then the best of N epochs measured with
`time.perf_counter`. Prints seconds per epoch and the ratio kgen / numpy (below 1: kgen faster).
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

LR = np.float32(0.01)


# ============================================================================ numpy reference
def softmax_ce_grad(logits, y):
    """Softmax + categorical crossentropy: mean loss and d(loss)/d(logits)."""
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.mean(np.sum(y * np.log(np.clip(p, 1e-7, 1 - 1e-7)), axis=1))
    return loss, (p - y) / np.float32(len(y))


class NumpyMLP:
    def __init__(self, weights):
        self.w = [w.copy() for w in weights]  # k1, b1, k2, b2, k3, b3

    def step(self, x, y):
        k1, b1, k2, b2, k3, b3 = self.w
        z1 = x @ k1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ k2 + b2
        h2 = np.maximum(z2, 0)
        loss, g3 = softmax_ce_grad(h2 @ k3 + b3, y)
        gk3, gb3 = h2.T @ g3, g3.sum(0)
        g2 = (g3 @ k3.T) * (z2 > 0)
        gk2, gb2 = h1.T @ g2, g2.sum(0)
        g1 = (g2 @ k2.T) * (z1 > 0)
        gk1, gb1 = x.T @ g1, g1.sum(0)
        for w, g in zip(self.w, (gk1, gb1, gk2, gb2, gk3, gb3)):
            w -= LR * g
        return loss


def conv_forward(x, w):
    """'valid' cross-correlation, NHWC, kernel (kh, kw, cin, cout): im2col + one matmul."""
    kh, kw, cin, cout = w.shape
    win = sliding_window_view(x, (kh, kw), axis=(1, 2))  # (N, Ho, Wo, Cin, kh, kw)
    n, ho, wo = win.shape[:3]
    cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(n * ho * wo, kh * kw * cin)
    return (cols @ w.reshape(-1, cout)).reshape(n, ho, wo, cout), cols


def conv_backward(g, cols, x_shape, w):
    kh, kw, cin, cout = w.shape
    g2 = g.reshape(-1, cout)
    gw = (cols.T @ g2).reshape(w.shape)
    gcols = (g2 @ w.reshape(-1, cout).T).reshape(g.shape[:3] + (kh, kw, cin))
    gx = np.zeros(x_shape, dtype=g.dtype)
    ho, wo = g.shape[1:3]
    for i in range(kh):
        for j in range(kw):
            gx[:, i:i + ho, j:j + wo, :] += gcols[:, :, :, i, j, :]
    return gx, gw


def pool_forward(x):
    n, h, w, c = x.shape
    h2, w2 = h // 2, w // 2
    blocks = x[:, :h2 * 2, :w2 * 2].reshape(n, h2, 2, w2, 2, c)
    out = blocks.max(axis=(2, 4))
    return out, blocks


def pool_backward(g, blocks, x_shape):
    out = blocks.max(axis=(2, 4), keepdims=True)
    hit = blocks == out
    hit = hit / hit.sum(axis=(2, 4), keepdims=True)
    gb = hit * g[:, :, None, :, None, :]
    gx = np.zeros(x_shape, dtype=g.dtype)
    n, h2, _, w2, _, c = blocks.shape
    gx[:, :h2 * 2, :w2 * 2] = gb.reshape(n, h2 * 2, w2 * 2, c)
    return gx


class NumpyCNN:
    def __init__(self, weights):
        self.w = [w.copy() for w in weights]  # c1, cb1, c2, cb2, k, b

    def step(self, x, y):
        c1, cb1, c2, cb2, k, b = self.w
        z1, cols1 = conv_forward(x, c1)
        z1 += cb1
        a1 = np.maximum(z1, 0)
        p1, blocks1 = pool_forward(a1)
        z2, cols2 = conv_forward(p1, c2)
        z2 += cb2
        a2 = np.maximum(z2, 0)
        p2, blocks2 = pool_forward(a2)
        flat = p2.reshape(len(x), -1)
        loss, g = softmax_ce_grad(flat @ k + b, y)
        gk, gb = flat.T @ g, g.sum(0)
        gp2 = (g @ k.T).reshape(p2.shape)
        ga2 = pool_backward(gp2, blocks2, a2.shape) * (z2 > 0)
        gp1, gc2 = conv_backward(ga2, cols2, p1.shape, c2)
        gcb2 = ga2.sum(axis=(0, 1, 2))
        ga1 = pool_backward(gp1, blocks1, a1.shape) * (z1 > 0)
        _, gc1 = conv_backward(ga1, cols1, x.shape, c1)
        gcb1 = ga1.sum(axis=(0, 1, 2))
        for w, grad in zip(self.w, (gc1, gcb1, gc2, gcb2, gk, gb)):
            w -= LR * grad
        return loss


def numpy_epoch(net, x, y, batch_size):
    losses = []
    for start in range(0, len(x), batch_size):
        losses.append(net.step(x[start:start + batch_size], y[start:start + batch_size]))
    return losses


# ============================================================================ kgen models
def kgen_mlp():
    from kgen.keras import Input, Model, layers

    x = Input(shape=(784,))
    h = layers.Dense(256, activation="relu")(x)
    h = layers.Dense(256, activation="relu")(h)
    return Model(x, layers.Dense(10, activation="softmax")(h))


def kgen_cnn():
    from kgen.keras import Input, Model, layers

    x = Input(shape=(28, 28, 1))
    h = layers.Conv2D(8, 3, activation="relu")(x)
    h = layers.MaxPooling2D(2)(h)
    h = layers.Conv2D(16, 3, activation="relu")(h)
    h = layers.MaxPooling2D(2)(h)
    h = layers.Flatten()(h)
    return Model(x, layers.Dense(10, activation="softmax")(h))


def data(n, shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n,) + shape).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, size=n)]
    return x, y


# ============================================================================ timing
def measure(name, make_model, numpy_cls, n, shape, batch_size, epochs):
    from kgen import keras

    x, y = data(n, shape, seed=0)
    model = make_model()
    initial = model.get_weights()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=float(LR)), loss="categorical_crossentropy")

    # warm-up epoch each (numba compilation, BLAS threads), then check both did the same step
    model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    reference = numpy_cls(initial)
    numpy_epoch(reference, x, y, batch_size)
    drift = max(float(np.max(np.abs(a - b))) for a, b in zip(model.get_weights(), reference.w))

    kgen_times, numpy_times = [], []
    for _ in range(epochs):
        t = time.perf_counter()
        model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        kgen_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        numpy_epoch(reference, x, y, batch_size)
        numpy_times.append(time.perf_counter() - t)
    steps = -(-n // batch_size)
    k, r = min(kgen_times), min(numpy_times)
    print(f"{name:<34} {steps:>5} {k:>10.3f} {r:>10.3f} {k / r:>8.2f}   {drift:.1e}")
    return k, r


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples and epochs (a smoke run)")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per implementation (best is shown)")
    args = parser.parse_args(argv)
    epochs = 1 if args.quick else args.epochs
    mlp_n, cnn_n = (1280, 256) if args.quick else (10_000, 2_000)
    from kgen.engine import device

    print(f"kgen training benchmark: device={device.current_device()}, "
          f"numpy {np.__version__}, best of {epochs} epoch(s) after a warm-up epoch")
    print(f"{'model':<34} {'steps':>5} {'kgen s/ep':>10} {'numpy s/ep':>10} {'ratio':>8}   max|w diff|")
    measure(f"MLP 784-256-256-10, n={mlp_n}, b=128", kgen_mlp, NumpyMLP, mlp_n, (784,), 128, epochs)
    measure(f"small CNN 28x28x1, n={cnn_n}, b=64", kgen_cnn, NumpyCNN, cnn_n, (28, 28, 1), 64, epochs)
    print("ratio = kgen / numpy seconds per epoch (below 1: kgen is faster); the last column checks both "
          "implementations trained to the same weights after the warm-up epoch.")


if __name__ == "__main__":
    main()
