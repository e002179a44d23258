"""One LSTM layer in one direction over a whole sequence as a single autograd node.

``nn.LSTM`` composed of ember ops records ~12 nodes a time step (the recurrent linear, the gate
chunk, three sigmoids, two tanh, the cell update), and its backward runs them one by one, with a
weight-gradient product per step. Here the forward loop works on the arrays (the same operations
in the same order as the composed step, so the same values), keeps the gates, and the backward
loop computes the gate gradients step by step with one product per step (for the previous
state); the weight, bias and input gradients are then one product each over all the steps.
torch's CPU LSTM is one node per layer too (oneDNN's, ``MkldnnRnnLayerBackward0``).

A double backward (``create_graph=True``) recomputes the layer with the composed ember ops and
differentiates that, so it stays differentiable.

Shapes: x (T, B, I), w_ih (4H, I), w_hh (4H, H), b_ih/b_hh (4H,) or None, h0/c0 (B, H) ->
out (T, B, H), h_n (B, H), c_n (B, H).

Example:
    >>> out, h, c = lstm_layer(x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse=False)
"""
import numpy as np

from ..._tensor import _wrap
from ...autograd.function import Function
from ...autograd import grad_mode as _grad_mode

__all__ = ['lstm_layer']


def _sigmoid_into(x, out):
    """``1 / (1 + exp(-x))`` (ember's sigmoid, the same bits) into ``out``."""
    np.negative(x, out=out)
    np.exp(out, out=out)
    np.add(1, out, out=out)
    np.divide(1, out, out=out)


def _forward_arrays(x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse, keep):
    T, B = x.shape[0], x.shape[1]
    H = w_hh.shape[1]
    dt = x.dtype
    gi = np.matmul(x.reshape(T * B, -1), w_ih.T).reshape(T, B, 4 * H)      # all steps at once
    if b_ih is not None:
        gi += b_ih
    out = np.empty((T, B, H), dt)
    acts = np.empty((T, B, 4 * H), dt) if keep else None     # i, f, g, o after their nonlinearities
    cs = np.empty((T, B, H), dt) if keep else None           # the cell state after each step
    tcs = np.empty((T, B, H), dt) if keep else None          # tanh of it
    gates = np.empty((B, 4 * H), dt)
    a = np.empty((B, 4 * H), dt)
    h, c = h0, c0
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        np.matmul(h, w_hh.T, out=gates)
        if b_hh is not None:
            gates += b_hh
        np.add(gi[t], gates, out=gates)
        at = acts[t] if keep else a
        _sigmoid_into(gates[:, :2 * H], at[:, :2 * H])
        np.tanh(gates[:, 2 * H:3 * H], out=at[:, 2 * H:3 * H])
        _sigmoid_into(gates[:, 3 * H:], at[:, 3 * H:])
        i, f, g, o = at[:, :H], at[:, H:2 * H], at[:, 2 * H:3 * H], at[:, 3 * H:]
        c = f * c
        c += i * g
        tc = np.tanh(c, out=tcs[t] if keep else None)
        h = np.multiply(o, tc, out=out[t])
        if keep:
            cs[t] = c
    return out, h.copy(), c, (acts, cs, tcs)


class _LSTMLayer(Function):
    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse):
        arr = [None if t is None else t._data for t in (x, w_ih, w_hh, b_ih, b_hh, h0, c0)]
        out, hn, cn, kept = _forward_arrays(*arr, reverse, keep=True)
        ctx.kept = kept
        ctx.reverse = reverse
        ctx.save_for_backward(x, w_ih, w_hh, b_ih, b_hh, h0, c0)
        dt, dev = x.dtype, x._device
        return _wrap(out, dt, dev), _wrap(hn, dt, dev), _wrap(cn, dt, dev)

    @staticmethod
    def backward(ctx, d_out, d_hn, d_cn):
        x, w_ih, w_hh, b_ih, b_hh, h0, c0 = ctx.saved_tensors
        if _grad_mode.is_grad_enabled():        # create_graph: differentiate the composed ops
            return _composed_grads(ctx, (x, w_ih, w_hh, b_ih, b_hh, h0, c0), (d_out, d_hn, d_cn))
        acts, cs, tcs = ctx.kept
        xa, wi, wh = x._data, w_ih._data, w_hh._data
        T, B = xa.shape[0], xa.shape[1]
        H = wh.shape[1]
        dt = xa.dtype
        dout = None if d_out is None else d_out._data
        dh = np.zeros((B, H), dt) if d_hn is None else d_hn._data.astype(dt, copy=True)
        dc = np.zeros((B, H), dt) if d_cn is None else d_cn._data.astype(dt, copy=True)
        dG = np.empty((T, B, 4 * H), dt)             # the gradients of the gate pre-activations
        hprev = np.empty((T, B, H), dt)              # the state each step read
        order = range(T) if ctx.reverse else range(T - 1, -1, -1)
        h0a, c0a = h0._data, c0._data
        first = 0 if not ctx.reverse else T - 1
        step = -1 if not ctx.reverse else 1          # where the previous state of step t comes from
        tmp = np.empty((B, H), dt)
        for t in order:
            if dout is not None:
                dh += dout[t]
            a = acts[t]
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            tc = tcs[t]
            cprev = c0a if t == first else cs[t + step]
            hprev[t] = h0a if t == first else _h_of(acts, tcs, t + step, H)
            d = dG[t]
            # o: dh * tanh(c) * o (1 - o)
            np.multiply(dh, tc, out=d[:, 3 * H:])
            d[:, 3 * H:] *= o
            np.subtract(1, o, out=tmp)
            d[:, 3 * H:] *= tmp
            # c: dc + dh * o * (1 - tanh(c)^2)
            np.multiply(tc, tc, out=tmp)
            np.subtract(1, tmp, out=tmp)
            tmp *= o
            tmp *= dh
            dc += tmp
            # i: dc * g * i (1 - i);  f: dc * c_prev * f (1 - f);  g: dc * i (1 - g^2)
            di, df, dg = d[:, :H], d[:, H:2 * H], d[:, 2 * H:3 * H]
            np.multiply(dc, g, out=di)
            di *= i
            np.subtract(1, i, out=tmp)
            di *= tmp
            np.multiply(dc, cprev, out=df)
            df *= f
            np.subtract(1, f, out=tmp)
            df *= tmp
            np.multiply(dc, i, out=dg)
            np.multiply(g, g, out=tmp)
            np.subtract(1, tmp, out=tmp)
            dg *= tmp
            dc *= f                                  # the cell gradient of the previous step
            np.matmul(d, wh, out=dh)                 # the state gradient of the previous step
        need = ctx.needs_input_grad
        flat = dG.reshape(T * B, 4 * H)
        gx = np.matmul(flat, wi).reshape(xa.shape) if need[0] else None
        gwi = np.matmul(flat.T, xa.reshape(T * B, -1)) if need[1] else None
        gwh = np.matmul(flat.T, hprev.reshape(T * B, H)) if need[2] else None
        gb = np.add.reduce(flat, axis=0) if (need[3] or need[4]) else None
        dev = x._device

        def w(a, like):
            return None if a is None else _wrap(a.astype(like.dtype.np, copy=False), like.dtype, dev)
        return (w(gx, x), w(gwi, w_ih), w(gwh, w_hh), w(gb, b_ih) if need[3] else None,
                w(gb.copy() if need[3] else gb, b_hh) if need[4] else None,
                w(dh, h0) if need[5] else None, w(dc, c0) if need[6] else None, None)


def _h_of(acts, tcs, t, H):
    """The state after step t: o_t * tanh(c_t)."""
    return acts[t][:, 3 * H:] * tcs[t]


def _composed_grads(ctx, inputs, grads):
    from ...autograd import grad as _grad
    from ..modules.rnn import _lstm_step
    x, w_ih, w_hh, b_ih, b_hh, h0, c0 = inputs
    import ember as E
    from .linear import linear
    gi = linear(x, w_ih, b_ih)
    steps = list(gi.unbind(0))
    T = len(steps)
    outs = [None] * T
    h, c = h0, c0
    for t in (range(T - 1, -1, -1) if ctx.reverse else range(T)):
        h, c = _lstm_step(steps[t], h, c, w_hh, b_hh, None)
        outs[t] = h
    outputs = (E.stack(outs, 0), h, c)
    pairs = [(o, g) for o, g in zip(outputs, grads) if g is not None]
    want = [t for t in inputs]
    idx = [k for k, t in enumerate(want) if t is not None and t.requires_grad]
    got = _grad([o for o, _ in pairs], [want[k] for k in idx], [g for _, g in pairs], create_graph=True,
                allow_unused=True)
    res = [None] * 8
    for k, g in zip(idx, got):
        res[k] = g
    return tuple(res)


def lstm_layer(x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse):
    """(out, h_n, c_n) of one LSTM layer in one direction (see the module docstring)."""
    ts = (x, w_ih, w_hh, b_ih, b_hh, h0, c0)
    if _grad_mode.is_grad_enabled() and any(t is not None and t.requires_grad for t in ts):
        return _LSTMLayer.apply(x, w_ih, w_hh, b_ih, b_hh, h0, c0, reverse)
    arr = [None if t is None else t._data for t in ts]
    out, hn, cn, _ = _forward_arrays(*arr, reverse, keep=False)
    dt, dev = x.dtype, x._device
    return _wrap(out, dt, dev), _wrap(hn, dt, dev), _wrap(cn, dt, dev)
