"""Recurrent layers against numpy loops written from Keras' documented semantics: masks,
go_backwards, return_state, initial_state, stateful, Bidirectional merge modes, custom and
stacked cells, ConvLSTM2D; and the fused ops' gradients against the step-by-step engine ops."""

import numpy as np
import pytest

import layer_oracles as oracle
from kgen.engine import ops
from kgen.engine.tensor import Tensor, gradients
from kgen.keras import Input, Model, layers

RNG = np.random.default_rng(3)
TOL = dict(rtol=1e-5, atol=1e-5)

# Right-padded and left-padded rows, and a row whose last steps are masked.
MASK = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 1, 1, 1, 1], [1, 0, 1, 1, 0, 1]], dtype=bool)


def _data(units, features=3, steps=6, batch=3):
    return RNG.normal(size=(batch, steps, features)).astype("float32")


def _randomize(layer):
    weights = [RNG.uniform(-0.6, 0.6, size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


def _np(t):
    return np.asarray(t.data if hasattr(t, "data") else t)


def _step_for(kind, weights, **kw):
    if kind == "SimpleRNN":
        return oracle.simple_rnn_step(*weights)
    if kind == "LSTM":
        return oracle.lstm_step(*weights)
    return oracle.gru_step(*weights, reset_after=kw.get("reset_after", True))


def _zeros_states(kind, batch, units):
    n = 2 if kind == "LSTM" else 1
    return [np.zeros((batch, units)) for _ in range(n)]


@pytest.mark.parametrize("kind, kw", [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False})])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_rnn_layers_match_numpy_loop(kind, kw, go_backwards, masked):
    units = 4
    x = _data(units)
    layer = getattr(layers, kind)(units, return_sequences=True, return_state=True, go_backwards=go_backwards, **kw)
    layer(x)
    weights = _randomize(layer)
    mask = MASK if masked else None
    seq, *states = layer(x, mask=mask)
    want_seq, want_states = oracle.run_rnn(_step_for(kind, weights, **kw), x, _zeros_states(kind, 3, units),
                                           mask=mask, go_backwards=go_backwards)
    np.testing.assert_allclose(_np(seq), want_seq, **TOL)
    assert len(states) == len(want_states)
    for got, want in zip(states, want_states):
        np.testing.assert_allclose(_np(got), want, **TOL)
    last = getattr(layers, kind)(units, go_backwards=go_backwards, **kw)
    last(x)
    last.set_weights(weights)
    np.testing.assert_allclose(_np(last(x, mask=mask)), want_seq[:, -1], **TOL)


def test_zero_output_for_mask_and_initial_state():
    x = _data(3)
    layer = layers.LSTM(3, return_sequences=True, zero_output_for_mask=True)
    layer(x)
    weights = _randomize(layer)
    h0 = RNG.normal(size=(3, 3)).astype("float32")
    c0 = RNG.normal(size=(3, 3)).astype("float32")
    got = _np(layer(x, initial_state=[h0, c0], mask=MASK))
    want, _ = oracle.run_rnn(oracle.lstm_step(*weights), x, [h0.astype(np.float64), c0.astype(np.float64)],
                             mask=MASK, zero_output_for_mask=True)
    np.testing.assert_allclose(got, want, **TOL)
    assert not got[0, 3:].any()


def test_embedding_mask_zero_reaches_the_lstm():
    ids = np.array([[4, 2, 7, 0, 0], [1, 3, 0, 0, 0]])
    inp = Input(shape=(5,), dtype="int32")
    emb = layers.Embedding(8, 3, mask_zero=True)
    lstm = layers.LSTM(4)
    model = Model(inp, lstm(emb(inp)))
    weights = _randomize(lstm)
    table = emb.get_weights()[0].astype(np.float64)
    for row, length in zip(ids, (3, 2)):  # a right-padded row ends where its ids end
        _, (h, _) = oracle.run_rnn(oracle.lstm_step(*weights), table[row[None, :length]], _zeros_states("LSTM", 1, 4))
        np.testing.assert_allclose(model.predict(row[None]), h, **TOL)


def test_masking_layer_skips_steps_in_gru():
    x = _data(3)
    x[0, 4:] = 0.0
    x[1, :2] = 0.0
    inp = Input(shape=(6, 3))
    gru = layers.GRU(2)
    model = Model(inp, gru(layers.Masking(0.0)(inp)))
    weights = _randomize(gru)
    mask = np.any(x != 0, axis=-1)
    _, (h,) = oracle.run_rnn(oracle.gru_step(*weights), x, _zeros_states("GRU", 3, 2), mask=mask)
    np.testing.assert_allclose(model.predict(x), h, **TOL)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_bidirectional_merge_modes(merge_mode, return_sequences):
    x = _data(3)
    layer = layers.Bidirectional(layers.GRU(3, return_sequences=return_sequences), merge_mode=merge_mode)
    layer(x)
    weights = _randomize(layer)
    fwd, _ = oracle.run_rnn(oracle.gru_step(*weights[:3]), x, _zeros_states("GRU", 3, 3))
    bwd, _ = oracle.run_rnn(oracle.gru_step(*weights[3:]), x, _zeros_states("GRU", 3, 3), go_backwards=True)
    if return_sequences:
        bwd = bwd[:, ::-1]  # re-reversed so step t of both halves lines up
    else:
        fwd, bwd = fwd[:, -1], bwd[:, -1]
    got = layer(x)
    merged = {"concat": lambda a, b: np.concatenate([a, b], -1), "sum": np.add, "mul": np.multiply,
              "ave": lambda a, b: (a + b) / 2}
    if merge_mode is None:
        np.testing.assert_allclose(_np(got[0]), fwd, **TOL)
        np.testing.assert_allclose(_np(got[1]), bwd, **TOL)
    else:
        np.testing.assert_allclose(_np(got), merged[merge_mode](fwd, bwd), **TOL)


def test_bidirectional_masked_sequences_output_zeros_and_return_state():
    x = _data(3)
    layer = layers.Bidirectional(layers.LSTM(2, return_sequences=True, return_state=True))
    layer(x)
    weights = _randomize(layer)
    out, fh, fc, bh, bc = layer(x, mask=MASK)
    fwd, (h1, c1) = oracle.run_rnn(oracle.lstm_step(*weights[:3]), x, _zeros_states("LSTM", 3, 2), mask=MASK,
                                   zero_output_for_mask=True)
    bwd, (h2, c2) = oracle.run_rnn(oracle.lstm_step(*weights[3:]), x, _zeros_states("LSTM", 3, 2), mask=MASK,
                                   go_backwards=True, zero_output_for_mask=True)
    np.testing.assert_allclose(_np(out), np.concatenate([fwd, bwd[:, ::-1]], -1), **TOL)
    for got, want in zip((fh, fc, bh, bc), (h1, c1, h2, c2)):
        np.testing.assert_allclose(_np(got), want, **TOL)
    assert layer.forward_layer.name.startswith("forward_lstm")
    assert layer.backward_layer.name.startswith("backward_lstm") and layer.backward_layer.go_backwards


class MinimalRNNCell(layers.Layer):
    """The custom cell of Keras' RNN documentation."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        prev_output = states[0]
        h = ops.matmul(inputs, self.kernel)
        output = h + ops.matmul(prev_output, self.recurrent_kernel)
        return output, [output]


def test_custom_cell_and_stacked_cells():
    x = _data(3)
    rnn = layers.RNN(MinimalRNNCell(4), return_sequences=True)
    rnn(x)
    k, r = _randomize(rnn)

    def minimal(xt, states):
        out = xt @ k + states[0] @ r
        return out, [out]

    want, _ = oracle.run_rnn(minimal, x, [np.zeros((3, 4))], mask=MASK)
    np.testing.assert_allclose(_np(rnn(x, mask=MASK)), want, **TOL)

    stacked = layers.RNN([layers.LSTMCell(4), layers.GRUCell(2)], return_state=True)
    out, (h1, c1), (h2,) = stacked(x)
    w = _randomize(stacked)
    out, (h1, c1), (h2,) = stacked(x)
    lstm, gru = oracle.lstm_step(*w[:3]), oracle.gru_step(*w[3:])

    def step(xt, states):
        o1, s1 = lstm(xt, states[:2])
        o2, s2 = gru(o1, states[2:])
        return o2, s1 + s2

    _, want = oracle.run_rnn(step, x, [np.zeros((3, 4)), np.zeros((3, 4)), np.zeros((3, 2))])
    for got, ref in zip((h1, c1, h2, out), want + [want[2]]):
        np.testing.assert_allclose(_np(got), ref, **TOL)


def test_cell_alone_and_rnn_of_cell_equal_the_layer():
    x = _data(3)
    lstm = layers.LSTM(3, return_sequences=True)
    lstm(x)
    weights = _randomize(lstm)
    cell = layers.LSTMCell(3)
    rnn = layers.RNN(cell, return_sequences=True)
    rnn(x)
    rnn.set_weights(weights)
    np.testing.assert_allclose(_np(rnn(x)), _np(lstm(x)), **TOL)
    h, (h_again, c) = cell(x[:, 0], [np.zeros((3, 3), "float32"), np.zeros((3, 3), "float32")])
    np.testing.assert_allclose(_np(h), _np(lstm(x[:, :1]))[:, 0], **TOL)


def test_stateful_layer_carries_states_between_calls():
    x = _data(3, batch=2)
    layer = layers.SimpleRNN(3, stateful=True)
    layer(x[:, :3])
    weights = _randomize(layer)
    layer.reset_states()
    layer(x[:, :3])
    second = _np(layer(x[:, 3:]))
    whole, _ = oracle.run_rnn(oracle.simple_rnn_step(*weights), x, [np.zeros((2, 3))])
    np.testing.assert_allclose(second, whole[:, -1], **TOL)
    layer.reset_states()
    np.testing.assert_allclose(_np(layer(x[:, :3])), whole[:, 2], **TOL)


def test_conv_lstm2d_matches_numpy_loop():
    x = RNG.normal(size=(2, 3, 5, 4, 2)).astype("float32")
    layer = layers.ConvLSTM2D(3, (3, 2), padding="same", return_sequences=True)
    layer(x)
    kernel, recurrent, bias = _randomize(layer)
    f = 3

    def conv_same(a, w):
        pads = [oracle.same_pads(n, k, 1) for n, k in zip(a.shape[1:3], w.shape[:2])]
        return oracle.conv(a, w, (1, 1), (1, 1), pads)

    def step(xt, states):
        h, c = states
        z = conv_same(xt, kernel) + bias + conv_same(h, recurrent)
        i, fg, g, o = (oracle.sigmoid(z[..., :f]), oracle.sigmoid(z[..., f:2 * f]), np.tanh(z[..., 2 * f:3 * f]),
                       oracle.sigmoid(z[..., 3 * f:]))
        c = fg * c + i * g
        h = o * np.tanh(c)
        return h, [h, c]

    want, _ = oracle.run_rnn(step, x, [np.zeros((2, 5, 4, 3))] * 2)
    np.testing.assert_allclose(_np(layer(x)), want, rtol=1e-4, atol=1e-4)

    mask = np.array([[1, 1, 0], [1, 0, 1]], dtype=bool)  # masked steps keep the states, output zeros
    seq = []
    states = [np.zeros((2, 5, 4, 3))] * 2
    for t in range(3):
        out, new = step(x[:, t].astype(np.float64), states)
        m = mask[:, t][:, None, None, None]
        states = [np.where(m, a, b) for a, b in zip(new, states)]
        seq.append(np.where(m, out, 0.0))
    zero_layer = layers.ConvLSTM2D(3, (3, 2), padding="same", return_sequences=True)
    zero_layer(x)
    zero_layer.set_weights([kernel, recurrent, bias])
    zero_layer.zero_output_for_mask = True
    np.testing.assert_allclose(_np(zero_layer(x, mask=mask)), np.stack(seq, 1), rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------------------- gradients


def _loss_grads(fn, params, seed):
    loss = ops.sum(ops.multiply(fn(), seed))
    return gradients(loss, params)


@pytest.mark.parametrize("kind, kw", [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False})])
def test_fused_gradients_equal_step_by_step_gradients(kind, kw):
    """The fused op's backprop through time against the same layer run as per-step engine ops."""
    x = Tensor(_data(3), requires_grad=True)
    layer = getattr(layers, kind)(3, return_sequences=True, **kw)
    layer(x)
    _randomize(layer)
    seed = RNG.normal(size=(3, 6, 3)).astype("float32")
    params = [x] + layer.trainable_weights
    fused = _loss_grads(lambda: layer(x, mask=MASK), params, seed)
    cell = layer.cell
    original = cell._scan
    cell._scan = lambda *a, **k: None  # force the step-by-step path
    try:
        stepwise = _loss_grads(lambda: layer(x, mask=MASK), params, seed)
    finally:
        cell._scan = original
    for a, b in zip(fused, stepwise):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_lstm_layer_gradient_against_finite_differences():
    x = _data(3, steps=4, batch=2).astype(np.float64)
    layer = layers.LSTM(2, return_sequences=True)
    layer(x.astype("float32"))
    _randomize(layer)
    seed = RNG.normal(size=(2, 4, 2))
    xt = Tensor(x, requires_grad=True)
    (gx,) = _loss_grads(lambda: layer(xt, mask=MASK[:2, :4]), [xt], seed)
    eps = 1e-6
    numeric = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        numeric[i] = ((_np(layer(up, mask=MASK[:2, :4])) - _np(layer(down, mask=MASK[:2, :4]))) * seed).sum() / (2 * eps)
    np.testing.assert_allclose(gx, numeric, rtol=1e-4, atol=1e-6)


def test_recurrent_dropout_only_in_training_and_fixed_over_time():
    x = _data(3)
    layer = layers.LSTM(4, dropout=0.5, recurrent_dropout=0.5, seed=1)
    a, b = _np(layer(x)), _np(layer(x))
    np.testing.assert_array_equal(a, b)
    c = _np(layer(x, training=True))
    assert not np.allclose(a, c)


def test_wrong_rank_and_features_name_the_layer():
    lstm = layers.LSTM(4, name="encoder")
    with pytest.raises(ValueError) as info:
        lstm(Input(shape=(10,)))
    assert "encoder" in str(info.value) and "expected ndim=3" in str(info.value) and "(None, 10)" in str(info.value)
    lstm(np.zeros((2, 5, 3), "float32"))
    with pytest.raises(ValueError) as info:
        lstm(np.zeros((2, 5, 4), "float32"))
    assert "encoder" in str(info.value) and "value 3" in str(info.value) and "(2, 5, 4)" in str(info.value)
