"""Fused recurrences: a whole SimpleRNN / LSTM / GRU sequence as one op, with backprop through time.

Running a recurrent layer as engine ops step by step works (and is what custom cells get),
but each step records a dozen small ops and the gradient of every `x[:, t]` slice is a
full-size array. These ops loop over time in plain numpy instead, keep what the backward
needs (the gates of every step), and give the gradient of the whole sequence in one go.

Shared conventions (time axis 1, steps in processing order; `go_backwards` flips before):
- `xp` (N, T, G*u): the input projections `x_t @ kernel + input_bias` of every step;
- `U` (u, G*u): the recurrent kernel; `h0` (and `c0`) (N, u): the initial state;
- `mask` (N, T) bool or None: a masked step keeps the previous state (Keras semantics);
- `rmask` (N, u) or None: recurrent dropout, multiplies the state before `@ U`.
Gate blocks follow Keras: LSTM [i, f, c, o], GRU [z, r, h].

Activations are given by name; each has its derivative written from its output
(`DERIVATIVES`), so the backward needs no pre-activation values.
"""

from __future__ import annotations

import numpy as np

from kgen.engine.ops.base import Op, apply


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + exp(-x)), without overflow warnings


ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda x: np.maximum(x, 0),
    "hard_sigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "linear": lambda x: x,
}

DERIVATIVES = {  # d activation / d input, written from the activation's output y
    "tanh": lambda y: 1.0 - y * y,
    "sigmoid": lambda y: y * (1.0 - y),
    "relu": lambda y: (y > 0).astype(y.dtype),
    "hard_sigmoid": lambda y: ((y > 0) & (y < 1)).astype(y.dtype) / 6.0,
    "linear": lambda y: np.ones_like(y),
}


def _step_mask(mask, t):
    return None if mask is None else mask[:, t][:, None]


def _hold(m, new, old):
    """Masked rows keep the previous state."""
    return new if m is None else np.where(m, new, old)


def _split_held(g, m):
    """A state's gradient: the part reaching the step's computation, the part held over it."""
    if m is None:
        return g, 0.0
    return g * m, g * ~m


class SimpleRNNScan(Op):
    """h_t = act(xp_t + (h_{t-1} * rmask) @ U); returns H (N, T, u)."""

    name = "simple_rnn_scan"

    @staticmethod
    def forward(ctx, xp, U, h0, activation="tanh", mask=None, rmask=None):
        act = ACTIVATIONS[activation]
        N, T, u = xp.shape
        dtype = np.result_type(xp, U, h0)
        H = np.empty((N, T, u), dtype=dtype)
        Y = np.empty((N, T, u), dtype=dtype)  # unmasked step outputs, for the derivative
        hm_prev = np.empty((N, T, u), dtype=dtype)
        h = h0.astype(dtype, copy=False)
        for t in range(T):
            hm = h if rmask is None else h * rmask
            y = act(xp[:, t] + hm @ U)
            h = _hold(_step_mask(mask, t), y, h)
            H[:, t], Y[:, t], hm_prev[:, t] = h, y, hm
        ctx.save(U, Y, hm_prev)
        return H

    @staticmethod
    def backward(ctx, gH):
        U, Y, hm_prev = ctx.saved
        a = ctx.attrs
        mask, rmask, d_act = a.get("mask"), a.get("rmask"), DERIVATIVES[a.get("activation", "tanh")]
        N, T, u = Y.shape
        dxp = np.empty_like(Y)
        dU = np.zeros_like(U, dtype=Y.dtype)
        dh_next = np.zeros((N, u), dtype=Y.dtype)
        for t in reversed(range(T)):
            dh, held = _split_held(gH[:, t] + dh_next, _step_mask(mask, t))
            dpre = dh * d_act(Y[:, t])
            dxp[:, t] = dpre
            dU += hm_prev[:, t].T @ dpre
            dhm = dpre @ U.T
            dh_next = (dhm if rmask is None else dhm * rmask) + held
        return dxp, dU, dh_next


class LSTMScan(Op):
    """The LSTM recurrence over a whole sequence; returns [H, C] concatenated (N, T, 2u).

        z = xp_t + (h * rmask) @ U;  i, f, o = ract(z_i, z_f, z_o);  g = act(z_c)
        c = f * c + i * g;  h = o * act(c)
    """

    name = "lstm_scan"

    @staticmethod
    def forward(ctx, xp, U, h0, c0, activation="tanh", recurrent_activation="sigmoid", mask=None, rmask=None):
        act, ract = ACTIVATIONS[activation], ACTIVATIONS[recurrent_activation]
        N, T, G = xp.shape
        u = G // 4
        dtype = np.result_type(xp, U, h0, c0)
        out = np.empty((N, T, 2 * u), dtype=dtype)
        gates = np.empty((N, T, G), dtype=dtype)  # i, f, g, o after their activations
        act_c = np.empty((N, T, u), dtype=dtype)
        c_prev = np.empty((N, T, u), dtype=dtype)
        hm_prev = np.empty((N, T, u), dtype=dtype)
        h, c = h0.astype(dtype, copy=False), c0.astype(dtype, copy=False)
        for t in range(T):
            hm = h if rmask is None else h * rmask
            z = xp[:, t] + hm @ U
            gt = gates[:, t]
            gt[...] = ract(z)  # the c block is overwritten just below
            gt[:, 2 * u:3 * u] = act(z[:, 2 * u:3 * u])
            i, f, g, o = gt[:, :u], gt[:, u:2 * u], gt[:, 2 * u:3 * u], gt[:, 3 * u:]
            c_new = f * c + i * g
            ac = act(c_new)
            m = _step_mask(mask, t)
            act_c[:, t], c_prev[:, t], hm_prev[:, t] = ac, c, hm
            h, c = _hold(m, o * ac, h), _hold(m, c_new, c)
            out[:, t, :u], out[:, t, u:] = h, c
        ctx.save(U, gates, act_c, c_prev, hm_prev)
        return out

    @staticmethod
    def backward(ctx, g_out):
        U, gates, act_c, c_prev, hm_prev = ctx.saved
        a = ctx.attrs
        mask, rmask = a.get("mask"), a.get("rmask")
        d_act, d_ract = DERIVATIVES[a.get("activation", "tanh")], DERIVATIVES[a.get("recurrent_activation", "sigmoid")]
        N, T, G = gates.shape
        u = G // 4
        dxp = np.empty_like(gates)
        dU = np.zeros_like(U, dtype=gates.dtype)
        dh_next = np.zeros((N, u), dtype=gates.dtype)
        dc_next = np.zeros((N, u), dtype=gates.dtype)
        for t in reversed(range(T)):
            m = _step_mask(mask, t)
            dh, dh_held = _split_held(g_out[:, t, :u] + dh_next, m)
            dc, dc_held = _split_held(g_out[:, t, u:] + dc_next, m)
            i, f, g, o = gates[:, t, :u], gates[:, t, u:2 * u], gates[:, t, 2 * u:3 * u], gates[:, t, 3 * u:]
            ac = act_c[:, t]
            dc = dc + dh * o * d_act(ac)
            dz = dxp[:, t]
            dz[:, :u] = dc * g * d_ract(i)
            dz[:, u:2 * u] = dc * c_prev[:, t] * d_ract(f)
            dz[:, 2 * u:3 * u] = dc * i * d_act(g)
            dz[:, 3 * u:] = dh * ac * d_ract(o)
            dU += hm_prev[:, t].T @ dz
            dhm = dz @ U.T
            dh_next = (dhm if rmask is None else dhm * rmask) + dh_held
            dc_next = dc * f + dc_held
        return dxp, dU, dh_next, dc_next


class GRUScan(Op):
    """The GRU recurrence over a whole sequence; returns H (N, T, u).

    reset_after=True (Keras' default): inner = (h * rmask) @ U + b1,
        z, r = ract(xp_z + inner_z, xp_r + inner_r), hh = act(xp_h + r * inner_h)
    reset_after=False: z, r from (h * rmask) @ U[:, :2u], hh = act(xp_h + (r * h * rmask) @ U[:, 2u:])
    In both, h = z * h + (1 - z) * hh.
    """

    name = "gru_scan"

    @staticmethod
    def forward(ctx, xp, U, b1, h0, activation="tanh", recurrent_activation="sigmoid", reset_after=True,
                mask=None, rmask=None):
        act, ract = ACTIVATIONS[activation], ACTIVATIONS[recurrent_activation]
        N, T, G = xp.shape
        u = G // 3
        dtype = np.result_type(xp, U, b1, h0)
        H = np.empty((N, T, u), dtype=dtype)
        z_all, r_all, hh_all = (np.empty((N, T, u), dtype=dtype) for _ in range(3))
        inner_h = np.empty((N, T, u), dtype=dtype)  # h @ Uh (+ b1h) or (r * h), what r multiplied
        h_prev = np.empty((N, T, u), dtype=dtype)
        h = h0.astype(dtype, copy=False)
        for t in range(T):
            hm = h if rmask is None else h * rmask
            x = xp[:, t]
            if reset_after:
                inner = hm @ U + b1
                z, r = ract(x[:, :u] + inner[:, :u]), ract(x[:, u:2 * u] + inner[:, u:2 * u])
                ih = inner[:, 2 * u:]
                hh = act(x[:, 2 * u:] + r * ih)
            else:
                inner = hm @ U[:, :2 * u]
                z, r = ract(x[:, :u] + inner[:, :u]), ract(x[:, u:2 * u] + inner[:, u:])
                ih = r * hm
                hh = act(x[:, 2 * u:] + ih @ U[:, 2 * u:])
            h_new = z * h + (1 - z) * hh
            z_all[:, t], r_all[:, t], hh_all[:, t], inner_h[:, t], h_prev[:, t] = z, r, hh, ih, h
            h = _hold(_step_mask(mask, t), h_new, h)
            H[:, t] = h
        ctx.save(U, z_all, r_all, hh_all, inner_h, h_prev)
        return H

    @staticmethod
    def backward(ctx, gH):
        U, z_all, r_all, hh_all, inner_h, h_prev = ctx.saved
        a = ctx.attrs
        mask, rmask, reset_after = a.get("mask"), a.get("rmask"), a.get("reset_after", True)
        d_act, d_ract = DERIVATIVES[a.get("activation", "tanh")], DERIVATIVES[a.get("recurrent_activation", "sigmoid")]
        N, T, u = z_all.shape
        dtype = z_all.dtype
        dxp = np.empty((N, T, 3 * u), dtype=dtype)
        dU = np.zeros(U.shape, dtype=dtype)
        db1 = np.zeros(3 * u, dtype=dtype)
        dh_next = np.zeros((N, u), dtype=dtype)
        for t in reversed(range(T)):
            dh, held = _split_held(gH[:, t] + dh_next, _step_mask(mask, t))
            z, r, hh, ih, h = z_all[:, t], r_all[:, t], hh_all[:, t], inner_h[:, t], h_prev[:, t]
            hm = h if rmask is None else h * rmask
            dpre_h = dh * (1 - z) * d_act(hh)
            dz = dh * (h - hh) * d_ract(z)
            dx = dxp[:, t]
            dx[:, :u], dx[:, 2 * u:] = dz, dpre_h
            if reset_after:
                dx[:, u:2 * u] = dpre_h * ih * d_ract(r)
                dinner = np.concatenate([dz, dx[:, u:2 * u], dpre_h * r], axis=1)
                dU += hm.T @ dinner
                db1 += dinner.sum(axis=0)
                dhm = dinner @ U.T
            else:
                d_ih = dpre_h @ U[:, 2 * u:].T  # gradient of (r * hm)
                dU[:, 2 * u:] += ih.T @ dpre_h
                dx[:, u:2 * u] = d_ih * hm * d_ract(r)
                dzr = dx[:, :2 * u]
                dU[:, :2 * u] += hm.T @ dzr
                dhm = dzr @ U[:, :2 * u].T + d_ih * r
            dh_next = dh * z + (dhm if rmask is None else dhm * rmask) + held
        return dxp, dU, db1, dh_next


def simple_rnn_scan(xp, U, h0, activation="tanh", mask=None, rmask=None):
    return apply(SimpleRNNScan, xp, U, h0, activation=activation, mask=mask, rmask=rmask)


def lstm_scan(xp, U, h0, c0, activation="tanh", recurrent_activation="sigmoid", mask=None, rmask=None):
    return apply(LSTMScan, xp, U, h0, c0, activation=activation, recurrent_activation=recurrent_activation,
                 mask=mask, rmask=rmask)


def gru_scan(xp, U, b1, h0, activation="tanh", recurrent_activation="sigmoid", reset_after=True, mask=None,
             rmask=None):
    return apply(GRUScan, xp, U, b1, h0, activation=activation, recurrent_activation=recurrent_activation,
                 reset_after=reset_after, mask=mask, rmask=rmask)
