"""Optimizers against independent numpy implementations of Keras 3's rules, over several steps."""

import numpy as np
import pytest

from kgen.engine.tensor import Variable
from kgen.training import constraints, optimizers

RNG = np.random.default_rng(3)
W0 = RNG.normal(size=(3, 4)).astype("float32")
GRADS = [RNG.normal(size=(3, 4)).astype("float32") for _ in range(4)]


def run(opt, grads=GRADS, w0=W0):
    v = Variable(w0.copy(), name="w")
    for g in grads:
        opt.apply_gradients([(g, v)])
    return v.data


def sgd_ref(lr=0.01, momentum=0.0, nesterov=False):
    w, m = W0.astype("float64"), np.zeros_like(W0, "float64")
    for g in GRADS:
        if momentum == 0:
            w = w - lr * g
            continue
        m = momentum * m - lr * g
        w = w + (momentum * m - lr * g if nesterov else m)
    return w


def rmsprop_ref(lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    w = W0.astype("float64")
    v, mom, avg = (np.zeros_like(w) for _ in range(3))
    for g in GRADS:
        v = rho * v + (1 - rho) * g * g
        if centered:
            avg = rho * avg + (1 - rho) * g
            denom = v - avg * avg + eps
        else:
            denom = v + eps
        inc = lr * g / np.sqrt(denom)
        if momentum > 0:
            mom = momentum * mom + inc
            w = w - mom
        else:
            w = w - inc
    return w


def adam_ref(lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, weight_decay=None):
    w = W0.astype("float64")
    m, v, vhat = (np.zeros_like(w) for _ in range(3))
    for t, g in enumerate(GRADS, start=1):
        if weight_decay:
            w = w - w * weight_decay * lr
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        if amsgrad:
            vhat = np.maximum(vhat, v)
        alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - m * alpha / (np.sqrt(vhat if amsgrad else v) + eps)
    return w


def adagrad_ref(lr=0.001, init=0.1, eps=1e-7):
    w, acc = W0.astype("float64"), np.full(W0.shape, init)
    for g in GRADS:
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc + eps)
    return w


def adadelta_ref(lr=0.001, rho=0.95, eps=1e-7):
    w = W0.astype("float64")
    ag, ad = np.zeros_like(w), np.zeros_like(w)
    for g in GRADS:
        ag = rho * ag + (1 - rho) * g * g
        d = -np.sqrt(ad + eps) / np.sqrt(ag + eps) * g
        ad = rho * ad + (1 - rho) * d * d
        w = w + lr * d
    return w


def adamax_ref(lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    w = W0.astype("float64")
    m, u = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(GRADS, start=1):
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1**t) * (u + eps))
    return w


CASES = [
    ("sgd default", lambda: optimizers.SGD(), sgd_ref()),
    ("sgd lr", lambda: optimizers.SGD(learning_rate=0.1), sgd_ref(0.1)),
    ("sgd momentum", lambda: optimizers.SGD(0.05, momentum=0.9), sgd_ref(0.05, 0.9)),
    ("sgd nesterov", lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True), sgd_ref(0.05, 0.9, True)),
    ("rmsprop default", lambda: optimizers.RMSprop(), rmsprop_ref()),
    ("rmsprop momentum", lambda: optimizers.RMSprop(0.01, rho=0.8, momentum=0.5), rmsprop_ref(0.01, 0.8, 0.5)),
    ("rmsprop centered", lambda: optimizers.RMSprop(0.01, centered=True), rmsprop_ref(0.01, centered=True)),
    ("adam default", lambda: optimizers.Adam(), adam_ref()),
    ("adam custom", lambda: optimizers.Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-5), adam_ref(0.01, 0.8, 0.99, 1e-5)),
    ("adam amsgrad", lambda: optimizers.Adam(0.01, amsgrad=True), adam_ref(0.01, amsgrad=True)),
    ("adamw", lambda: optimizers.AdamW(0.01), adam_ref(0.01, weight_decay=0.004)),
    ("adagrad default", lambda: optimizers.Adagrad(), adagrad_ref()),
    ("adagrad custom", lambda: optimizers.Adagrad(0.1, initial_accumulator_value=0.5), adagrad_ref(0.1, 0.5)),
    ("adadelta", lambda: optimizers.Adadelta(1.0), adadelta_ref(1.0)),
    ("adamax", lambda: optimizers.Adamax(0.01), adamax_ref(0.01)),
]


@pytest.mark.parametrize("name,make,expected", CASES, ids=[c[0] for c in CASES])
def test_update_rule_matches_numpy(name, make, expected):
    got = run(make())
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,cls,lr", [("sgd", optimizers.SGD, 0.01), ("rmsprop", optimizers.RMSprop, 0.001),
                                         ("adam", optimizers.Adam, 0.001), ("adagrad", optimizers.Adagrad, 0.001)])
def test_by_name_gives_keras_defaults(name, cls, lr):
    opt = optimizers.get(name)
    assert type(opt) is cls
    assert float(opt.learning_rate.data) == pytest.approx(lr)
    assert optimizers.get(name.upper()).__class__ is cls
    instance = cls(learning_rate=0.5)
    assert optimizers.get(instance) is instance


def test_unknown_optimizer_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown optimizer: 'adamm'.*'adam'"):
        optimizers.get("adamm")


def test_keras2_lr_and_decay_arguments():
    with pytest.warns(UserWarning, match="learning_rate"):
        opt = optimizers.SGD(lr=0.1, decay=0.5)
    w = run(opt, GRADS[:3])
    ref = W0.astype("float64")
    for t, g in enumerate(GRADS[:3]):
        ref = ref - 0.1 / (1 + 0.5 * t) * g
    np.testing.assert_allclose(w, ref, rtol=1e-5)
    with pytest.raises(TypeError, match="unexpected keyword"):
        optimizers.Adam(learnin_rate=0.1)


def test_learning_rate_is_a_settable_variable():
    from kgen.keras import backend as K

    opt = optimizers.SGD(0.1)
    K.set_value(opt.lr, 0.5)
    assert K.get_value(opt.learning_rate) == pytest.approx(0.5)
    opt.learning_rate = 0.25
    np.testing.assert_allclose(run(opt, GRADS[:1]), W0 - 0.25 * GRADS[0], rtol=1e-6)


def test_schedule():
    schedule = optimizers.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    w = run(optimizers.SGD(schedule), GRADS[:3])
    ref = W0 - 0.1 * GRADS[0] - 0.05 * GRADS[1] - 0.025 * GRADS[2]
    np.testing.assert_allclose(w, ref, rtol=1e-5)


def test_gradient_clipping():
    g = np.full((3, 4), 2.0, "float32")  # norm 4*sqrt(3)
    w = run(optimizers.SGD(1.0, clipnorm=1.0), [g])
    np.testing.assert_allclose(W0 - w, g / np.linalg.norm(g), rtol=1e-6)
    w = run(optimizers.SGD(1.0, clipvalue=0.5), [g])
    np.testing.assert_allclose(W0 - w, np.full_like(g, 0.5), rtol=1e-6)
    v1, v2 = Variable(np.zeros(2, "float32")), Variable(np.zeros(2, "float32"))
    optimizers.SGD(1.0, global_clipnorm=1.0).apply_gradients([(np.array([3.0, 0.0], "float32"), v1),
                                                             (np.array([0.0, 4.0], "float32"), v2)])
    np.testing.assert_allclose(np.concatenate([v1.data, v2.data]), [-0.6, 0, 0, -0.8], rtol=1e-6)
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0)


def test_constraint_applied_after_the_update():
    v = Variable(np.array([[3.0], [4.0]], "float32"))
    v.constraint = constraints.MaxNorm(1.0)
    optimizers.SGD(0.0).apply_gradients([(np.zeros((2, 1), "float32"), v)])
    np.testing.assert_allclose(np.linalg.norm(v.data), 1.0, rtol=1e-5)


def test_iterations_and_state_round_trip():
    opt = optimizers.Adam(0.01)
    v = Variable(W0.copy())
    for g in GRADS[:2]:
        opt.apply_gradients([(g, v)])
    assert opt.iterations == 2
    state = opt.get_weights()
    assert len(state) == 3  # iterations, momentum, velocity
    clone = optimizers.deserialize(optimizers.serialize(opt))
    v2 = Variable(v.data.copy())
    clone.build([v2])
    clone.set_weights(state)
    assert clone.iterations == 2
    opt.apply_gradients([(GRADS[2], v)])
    clone.apply_gradients([(GRADS[2], v2)])
    np.testing.assert_allclose(v.data, v2.data, rtol=1e-6)


def test_config_round_trip_keeps_hyperparameters():
    opt = optimizers.RMSprop(learning_rate=0.02, rho=0.8, momentum=0.1, centered=True)
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert again.get_config() == opt.get_config()
