"""Losses against independent numpy formulas (Keras 3 rules), their gradients, and lookup by name."""

import numpy as np
import pytest

from kgen.engine.tensor import Tensor, gradients
from kgen.training import losses

EPS = 1e-7
RNG = np.random.default_rng(7)
Y_REAL = RNG.normal(size=(5, 3)).astype("float32")
P_REAL = RNG.normal(size=(5, 3)).astype("float32")
Y_BIN = (RNG.uniform(size=(5, 3)) > 0.5).astype("float32")
P_PROB = RNG.uniform(0.02, 0.98, size=(5, 3)).astype("float32")
P_SOFT = (np.exp(P_REAL) / np.exp(P_REAL).sum(-1, keepdims=True)).astype("float32")
Y_ONEHOT = np.eye(3, dtype="float32")[[0, 2, 1, 1, 0]]
Y_SPARSE = np.array([0, 2, 1, 1, 0])


def _np_bce(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1)


def _np_bce_logits(t, x):
    return (np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))).mean(-1)


def _np_cce(t, p):
    p = p / p.sum(-1, keepdims=True)
    return -(t * np.log(np.clip(p, EPS, 1 - EPS))).sum(-1)


def _np_cce_logits(t, x):
    logp = x - x.max(-1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(-1, keepdims=True))
    return -(t * logp).sum(-1)


def _np_hinge(t, p):
    t = 2 * t - 1 if np.all((t == 0) | (t == 1)) else t
    return np.maximum(1 - t * p, 0).mean(-1)


ORACLES = [
    ("mse", Y_REAL, P_REAL, lambda t, p: ((t - p) ** 2).mean(-1)),
    ("mean_squared_error", Y_REAL, P_REAL, lambda t, p: ((t - p) ** 2).mean(-1)),
    ("mae", Y_REAL, P_REAL, lambda t, p: np.abs(t - p).mean(-1)),
    ("mape", Y_REAL, P_REAL, lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1)),
    ("msle", np.abs(Y_REAL), np.abs(P_REAL),
     lambda t, p: ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2).mean(-1)),
    ("binary_crossentropy", Y_BIN, P_PROB, _np_bce),
    ("categorical_crossentropy", Y_ONEHOT, P_SOFT, _np_cce),
    ("sparse_categorical_crossentropy", Y_SPARSE, P_SOFT, lambda t, p: _np_cce(np.eye(3)[t.astype(int)], p)),
    ("hinge", Y_BIN, P_REAL, _np_hinge),
    ("hinge", np.sign(Y_REAL), P_REAL, _np_hinge),
    ("squared_hinge", Y_BIN, P_REAL, lambda t, p: (np.maximum(1 - (2 * t - 1) * p, 0) ** 2).mean(-1)),
    ("categorical_hinge", Y_ONEHOT, P_REAL,
     lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0)),
    ("kl_divergence", P_SOFT[::-1].copy(), P_SOFT,
     lambda t, p: (np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1))).sum(-1)),
    ("poisson", np.abs(Y_REAL), np.abs(P_REAL), lambda t, p: (p - t * np.log(p + EPS)).mean(-1)),
    ("log_cosh", Y_REAL, P_REAL, lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    ("huber", Y_REAL, P_REAL * 2,
     lambda t, p: np.where(np.abs(p - t) <= 1, 0.5 * (p - t) ** 2, np.abs(p - t) - 0.5).mean(-1)),
    ("cosine_similarity", Y_REAL, P_REAL,
     lambda t, p: -(t / np.linalg.norm(t, axis=-1, keepdims=True) * p / np.linalg.norm(p, axis=-1, keepdims=True)).sum(-1)),
]


@pytest.mark.parametrize("name,y_true,y_pred,oracle", ORACLES, ids=[o[0] for o in ORACLES])
def test_loss_function_matches_numpy(name, y_true, y_pred, oracle):
    fn = losses.get(name)
    got = np.asarray(fn(y_true, y_pred))
    want = oracle(y_true.astype("float64"), y_pred.astype("float64"))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_from_logits_variants_match_numpy():
    np.testing.assert_allclose(losses.binary_crossentropy(Y_BIN, P_REAL, from_logits=True),
                               _np_bce_logits(Y_BIN.astype("float64"), P_REAL.astype("float64")), rtol=1e-5)
    np.testing.assert_allclose(losses.categorical_crossentropy(Y_ONEHOT, P_REAL, from_logits=True),
                               _np_cce_logits(Y_ONEHOT.astype("float64"), P_REAL.astype("float64")), rtol=1e-5)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(Y_SPARSE, P_REAL, from_logits=True),
                               _np_cce_logits(np.eye(3)[Y_SPARSE], P_REAL.astype("float64")), rtol=1e-5)


def test_label_smoothing():
    ls = 0.2
    t = Y_BIN * (1 - ls) + 0.5 * ls
    np.testing.assert_allclose(losses.BinaryCrossentropy(label_smoothing=ls).call(Y_BIN, P_PROB), _np_bce(t, P_PROB), rtol=1e-5)
    t = Y_ONEHOT * (1 - ls) + ls / 3
    np.testing.assert_allclose(losses.CategoricalCrossentropy(label_smoothing=ls).call(Y_ONEHOT, P_SOFT),
                               _np_cce(t, P_SOFT), rtol=1e-5)


def test_bce_clips_saturated_probabilities():
    value = losses.binary_crossentropy(np.array([[1.0], [0.0]], "float32"), np.array([[0.0], [1.0]], "float32"))
    # in float32, 1 - (1 - 1e-7) is 1.19e-7: Keras gives the same two slightly different values
    expected = [-np.log(np.float32(EPS)), -np.log(np.float32(1) - np.float32(1 - EPS))]
    np.testing.assert_allclose(value, expected, rtol=1e-5)


def test_sparse_targets_of_shape_n_by_1_and_int_or_float():
    for targets in (Y_SPARSE, Y_SPARSE[:, None], Y_SPARSE.astype("float32")[:, None]):
        np.testing.assert_allclose(losses.sparse_categorical_crossentropy(targets, P_SOFT),
                                   _np_cce(np.eye(3)[Y_SPARSE], P_SOFT), rtol=1e-5)


def test_sparse_target_out_of_range_is_a_clear_error():
    with pytest.raises(ValueError, match="out of range.*3 classes"):
        losses.sparse_categorical_crossentropy(np.array([0, 3]), P_SOFT[:2])


def test_loss_objects_reduce_sum_over_batch_size_with_sample_weight():
    sw = np.array([1.0, 0.0, 2.0, 0.5, 1.0], "float32")
    per_sample = ((Y_REAL - P_REAL) ** 2).mean(-1)
    np.testing.assert_allclose(losses.MeanSquaredError()(Y_REAL, P_REAL), per_sample.mean(), rtol=1e-6)
    np.testing.assert_allclose(losses.MeanSquaredError()(Y_REAL, P_REAL, sample_weight=sw), (per_sample * sw).sum() / 5,
                               rtol=1e-6)
    np.testing.assert_allclose(losses.MeanSquaredError(reduction="sum")(Y_REAL, P_REAL), per_sample.sum(), rtol=1e-6)
    np.testing.assert_allclose(losses.MeanSquaredError(reduction=None)(Y_REAL, P_REAL), per_sample, rtol=1e-6)
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_rank_alignment_of_targets():
    y = np.array([1.0, 0.0, 1.0], "float32")
    p = np.array([[0.8], [0.3], [0.6]], "float32")
    np.testing.assert_allclose(losses.binary_crossentropy(y, p), _np_bce(y[:, None], p), rtol=1e-6)


@pytest.mark.parametrize("name", ["mse", "mae", "binary_crossentropy", "categorical_crossentropy", "hinge",
                                  "huber", "log_cosh", "kl_divergence", "poisson", "cosine_similarity"])
def test_loss_gradients_match_finite_differences(name):
    y_true, y_pred = {
        "binary_crossentropy": (Y_BIN, P_PROB), "categorical_crossentropy": (Y_ONEHOT, P_SOFT),
        "kl_divergence": (P_SOFT[::-1].copy(), P_SOFT), "poisson": (np.abs(Y_REAL), np.abs(P_REAL) + 0.1),
    }.get(name, (Y_REAL, P_REAL))
    y_true = y_true.astype("float64")
    pred = y_pred.astype("float64")
    fn = losses.get(name)
    x = Tensor(pred, requires_grad=True)
    (analytic,) = gradients(losses.reduce_values(fn(Tensor(y_true), x)), [x])
    numeric = np.zeros_like(pred)
    h = 1e-6
    for i in np.ndindex(pred.shape):
        up, down = pred.copy(), pred.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = (float(np.mean(np.asarray(fn(y_true, up)))) - float(np.mean(np.asarray(fn(y_true, down))))) / (2 * h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-7)


def test_lookup_by_name_class_and_callable():
    assert losses.get("mse") is losses.mean_squared_error
    assert isinstance(losses.get("BinaryCrossentropy"), losses.BinaryCrossentropy)
    custom = lambda t, p: p  # noqa: E731
    assert losses.get(custom) is custom
    with pytest.raises(ValueError, match="Unknown loss function: 'msee'"):
        losses.get("msee")


def test_loss_config_round_trip():
    loss = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is losses.CategoricalCrossentropy
    assert again.get_config() == loss.get_config()
    assert losses.deserialize(losses.serialize(losses.mean_absolute_error)) is losses.mean_absolute_error
