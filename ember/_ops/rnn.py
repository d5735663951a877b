"""Recurrent ops: one fused node per layer and direction over a whole (time-major) sequence.

GRU and RNN compute the input projection of every time step in one GEMM, then loop over time with one GEMM
per step for all gates; LSTM folds the input projection into that per-step GEMM (see ``LSTMLayer``).
Backward runs BPTT in one loop and forms the weight gradients with big GEMMs at the end.
``batch_sizes`` (non-increasing, one per time step) supports packed sequences: at time t only the first
``batch_sizes[t]`` rows advance; the others keep their state and produce zero output.

Sigmoids are computed as ``0.5 * tanh(0.5 * z) + 0.5`` (stable, one ufunc); the 0.5 is folded into the
weights so that one ``tanh`` call covers all gates of a step.
"""

import threading

from ember._backend import xp
from ember._ops import Op, backward_by_recompute

_scratch = threading.local()
def _workspace(name, shape, dtype):
    """A scratch array reused across calls (per thread; the 8 most recently used name/shape/dtype entries):
    big temporaries that would otherwise be fresh allocations every step (the allocator often returns such
    blocks to the OS, so each step would pay page faults to touch them again). Contents are undefined; never
    return or save one."""
    cache = getattr(_scratch, "bufs", None)
    if cache is None:
        cache = _scratch.bufs = {}
    key = (name, shape, xp.dtype(dtype))
    a = cache.pop(key, None)
    if a is None:
        a = xp.empty(shape, dtype=dtype)
        if len(cache) >= 8:
            del cache[next(iter(cache))]
    cache[key] = a  # most recently used last
    return a


def _steps(T, B, reverse, batch_sizes):
    """(step, time, active rows) in processing order."""
    times = range(T - 1, -1, -1) if reverse else range(T)
    if batch_sizes is None:
        return [(s, t, B) for s, t in enumerate(times)]
    return [(s, t, int(batch_sizes[t])) for s, t in enumerate(times)]


def _in_step_order(a, reverse):
    return a[::-1] if reverse else a


def _output_from_states(hs, reverse, steps, B):
    """Per-time outputs from the per-step states ``hs`` (T+1, B, P); zero where a row is inactive."""
    out = hs[:0:-1].copy() if reverse else hs[1:].copy()
    for _, t, b in steps:
        if b < B:
            out[t, b:] = 0
    return out


def _to_ofig(dst, src, H):
    """Copy gate rows (first axis) from PyTorch's order i, f, g, o to the internal o, i, f, g."""
    dst[:H] = src[3 * H:]
    dst[H:] = src[:3 * H]


class _RNNBase(Op):
    differentiable_outputs = 3
    reverse = False
    batch_sizes = None
    has_bias = True

    def backward_graph(self, *grads):
        # Double backward: differentiate the same recurrence written step by step in ember ops.
        return backward_by_recompute(self, grads, self._composite)

    def _composite(self, x, h0, *rest):
        """The layer's outputs from its input tensors through differentiable ember ops (time-major, packed rows
        as in forward: inactive rows keep their state and output zeros)."""
        import ember

        T, B = x.shape[:2]
        state = (h0,) + ((rest[0],) if isinstance(self, LSTMLayer) else ())
        weights = rest[len(state) - 1:]
        outs = [None] * T
        for _, t, b in _steps(T, B, self.reverse, self.batch_sizes):
            new = self._cell(x[t, :b], tuple(s[:b] for s in state), weights)
            if b < B:
                outs[t] = ember.cat([new[0], new[0].new_zeros((B - b,) + tuple(new[0].shape[1:]))])
                new = tuple(ember.cat([n, s[b:]]) for n, s in zip(new, state))
            else:
                outs[t] = new[0]
            state = new
        out = ember.stack(outs) if T else x.new_zeros((0, B, h0.shape[-1]))
        return (out,) + state


class LSTMLayer(_RNNBase):
    """One LSTM layer/direction. Inputs: x (T, B, I), h0 (B, P), c0 (B, H), w_ih (4H, I), w_hh (4H, P),
    [b_ih (4H,), b_hh (4H,)], [w_hr (P, H)]. Outputs: output (T, B, P), h_n (B, P), c_n (B, H).

    Gates in PyTorch's order i, f, g, o; internally reordered to o, i, f, g. States are kept feature-major,
    (features, batch) per step, so that every gate is a contiguous block for the elementwise work.

    The input projection rides in the recurrent GEMM: each step's operand is the column stack
    ``[h_{t-1}; 1; x_t]`` (K = P + 1 + I rows, the 1 carrying the bias) against ``[W_hh | b | W_ih]``, so
    there is no separate input GEMM and no pass adding it to the gates; backward gets dW_hh, db and dW_ih
    from one GEMM over all steps, and dx from the same per-step GEMM that propagates dh."""

    family = "rnn"
    grad_name = "LSTMBackward0"
    has_proj = False

    def forward(self, x, h0, c0, w_ih, w_hh, *rest):
        dt = x.dtype
        T, B, I = x.shape
        H = c0.shape[-1]
        P = h0.shape[-1]
        H2, H3 = 2 * H, 3 * H
        bias = rest[:2] if self.has_bias else ()
        w_hr = rest[-1] if self.has_proj else None
        nb = 1 if bias else 0
        K = P + nb + I
        # W0 = [W_hh | b | W_ih] with rows reordered to o, i, f, g (kept for backward); the forward GEMM uses
        # W, its sigmoid rows scaled by 0.5 (sigmoid(z) = 0.5 * tanh(0.5 * z) + 0.5: one tanh for all gates).
        W0 = xp.empty((4 * H, K), dtype=dt)
        _to_ofig(W0[:, :P], w_hh, H)
        if bias:
            _to_ofig(W0[:, P], bias[0] + bias[1], H)
        _to_ofig(W0[:, P + nb:], w_ih, H)
        W = W0.copy()
        W[:H3] *= dt.type(0.5)
        steps = _steps(T, B, self.reverse, self.batch_sizes)
        packed = self.batch_sizes is not None
        G = xp.empty((T, 4 * H, B), dtype=dt)  # gate activations, o, i, f, g
        Cs = xp.empty((T + 1, H, B), dtype=dt)
        Hs = xp.empty((T + 1, K, B), dtype=dt)  # per step: [h_{t-1}; 1; x_t]
        if bias:
            Hs[:, P] = 1
        Hs[:T, P + nb:] = _in_step_order(x, self.reverse).transpose(0, 2, 1)
        alloc = xp.zeros if packed else xp.empty  # rows that never advance stay zero
        TC = alloc((T, H, B), dtype=dt)
        Hf = alloc((T, H, B), dtype=dt) if w_hr is not None else None
        Cs[0] = c0.T
        Hs[0, :P] = h0.T
        tmp = xp.empty((H, B), dtype=dt)
        gbuf = xp.empty((4 * H, B), dtype=dt)
        half = dt.type(0.5)
        h0_zero = not h0.any()  # the usual default state: the first step needs no recurrent GEMM rows
        for s, _, b in steps:
            if b < B:  # packed: only the first b columns advance
                g, hp, cp, c, tc, h, tb = (G[s, :, :b], Hs[s, :, :b], Cs[s, :, :b], Cs[s + 1, :, :b],
                                           TC[s, :, :b], Hs[s + 1, :P, :b], tmp[:, :b])
                Hs[s + 1, :P, b:] = Hs[s, :P, b:]
                Cs[s + 1, :, b:] = Cs[s, :, b:]
                G[s, :, b:] = 0
            else:
                g, hp, cp, c, tc, h, tb = G[s], Hs[s], Cs[s], Cs[s + 1], TC[s], Hs[s + 1, :P], tmp
            gb = gbuf[:, :b]  # the GEMM writes a cache-resident block; tanh moves it into G
            if s == 0 and h0_zero:
                xp.matmul(W[:, P:], hp[P:], out=gb)
            else:
                xp.matmul(W, hp, out=gb)
            xp.tanh(gb, out=g)
            sg = g[:H3]
            sg *= half
            sg += half
            xp.multiply(g[H:H2], g[H3:], out=tb)
            xp.multiply(g[H2:H3], cp, out=c)
            c += tb
            xp.tanh(c, out=tc)
            if w_hr is None:
                xp.multiply(g[:H], tc, out=h)
            else:
                hf = Hf[s, :, :b]
                xp.multiply(g[:H], tc, out=hf)
                xp.matmul(w_hr, hf, out=h)
        out = Hs[1:, :P].transpose(0, 2, 1)
        out = out[::-1].copy() if self.reverse else out.copy()
        if packed:
            for _, t, b in steps:
                if b < B:
                    out[t, b:] = 0
        if self.requires_grad:
            self.save(x, w_ih, w_hh, w_hr, G, Cs, Hs, TC, Hf, W0)
            self._steps = steps
        return out, Hs[T, :P].T.copy(), Cs[T].T.copy()

    def _cell(self, x, state, weights):
        h, c = state
        w_ih, w_hh = weights[:2]
        gates = x @ w_ih.mT + h @ w_hh.mT
        if self.has_bias:
            gates = gates + weights[2] + weights[3]
        i, f, g, o = gates.chunk(4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        if self.has_proj:
            h = h @ weights[-1].mT
        return h, c

    def backward(self, gout, ghT, gcT):
        x, w_ih, w_hh, w_hr, G, Cs, Hs, TC, Hf, W0 = self.saved
        dt = x.dtype
        T, B, I = x.shape
        H = Cs.shape[1]
        P = w_hh.shape[1]
        K = Hs.shape[1]
        nb = K - P - I
        H3 = 3 * H
        need = self.needs_input_grad
        one = dt.type(1)
        # Steps whose incoming output gradient is all zero (e.g. only the last output is used) add nothing.
        nz = xp.any(gout, axis=(1, 2)).tolist() if T else []
        dh = xp.ascontiguousarray(ghT.T, dtype=dt)
        dc = xp.ascontiguousarray(gcT.T, dtype=dt)
        # Each step's pre-activation gradient goes to dG[s]; one block copy after the loop makes it the
        # (4H, T * B) operand of the weight-gradient GEMM (cheaper than per-step strided stores).
        dG = _workspace("lstm_dG", (T, 4 * H, B), dt)
        t3 = xp.empty((H3, B), dtype=dt)
        t1 = xp.empty((H, B), dtype=dt)
        if need[0]:
            # dh and dx from one GEMM per step: [W_hh | b | W_ih]^T d (the bias row is unused).
            wT = xp.ascontiguousarray(W0.T)
            DX = (xp.zeros if self.batch_sizes is not None else xp.empty)((T, K, B), dtype=dt)
        else:
            wT = xp.ascontiguousarray(W0[:, :P].T)
        proj = w_hr is not None
        if proj:
            DH = xp.zeros((T, P, B), dtype=dt)
            w_hrT = xp.ascontiguousarray(w_hr.T)
        # Gate blocks: o [0, H), i [H, 2H), f [2H, 3H), g [3H, 4H).
        for s, t, b in reversed(self._steps):
            if b < B:  # packed: only the first b columns are active at this step
                dhb, dcb, a, d, tc, cp, u3, u1 = (dh[:, :b], dc[:, :b], G[s, :, :b], dG[s, :, :b], TC[s, :, :b],
                                                  Cs[s, :, :b], t3[:, :b], t1[:, :b])
                dG[s, :, b:] = 0
                if nz[t]:
                    dhb += gout[t, :b].T
            else:
                dhb, dcb, a, d, tc, cp, u3, u1 = dh, dc, G[s], dG[s], TC[s], Cs[s], t3, t1
                if nz[t]:
                    dhb += gout[t].T
            if proj:
                DH[s, :, :b] = dhb
                dhf = xp.matmul(w_hrT, dhb)
            else:
                dhf = dhb
            # dc += dh * o * (1 - tanh(c)^2)
            xp.multiply(tc, tc, out=u1)
            xp.subtract(one, u1, out=u1)
            u1 *= a[:H]
            u1 *= dhf
            dcb += u1
            # sigmoid gates: pre-activation grad = upstream * s * (1 - s)
            sg = a[:H3]
            xp.subtract(one, sg, out=u3)
            u3 *= sg
            xp.multiply(dhf, tc, out=d[:H])
            xp.multiply(dcb, a[H3:], out=d[H:2 * H])
            xp.multiply(dcb, cp, out=d[2 * H:H3])
            d[:H3] *= u3
            # tanh gate g: dc * i * (1 - g^2)
            gg = a[H3:]
            xp.multiply(gg, gg, out=u1)
            xp.subtract(one, u1, out=u1)
            dgg = d[H3:]
            xp.multiply(dcb, a[H:2 * H], out=dgg)
            dgg *= u1
            if s == 0 and not need[1]:  # the last step back: dh_0 is not wanted
                if need[2]:
                    dcb *= a[2 * H:H3]
                if need[0]:
                    xp.matmul(wT[P + nb:], d, out=DX[0, P + nb:, :b])
                continue
            dcb *= a[2 * H:H3]
            if need[0]:
                o = DX[s]
                if b < B:  # DX is zero-filled when packed; inactive columns keep their dh
                    xp.matmul(wT, d, out=o[:, :b])
                    o[:P, b:] = dh[:, b:]
                else:
                    xp.matmul(wT, d, out=o)
                dh = o[:P]
            else:
                xp.matmul(wT, d, out=dhb)
        dx = dW_ih = dW_hh = db = None
        if need[0]:
            dx = DX[:, P + nb:].transpose(0, 2, 1)
            if self.reverse:
                dx = dx[::-1]
        if need[3] or need[4] or (self.has_bias and (need[5] or need[6])):
            # One GEMM over all steps against [h_{t-1}; 1; x_t]: dW_hh, db and dW_ih side by side.
            # (4H, T * B) and (K, T * B) operands by block copies, the gates back in PyTorch's order i, f, g, o
            dGt = _workspace("lstm_dGt", (4 * H, T, B), dt)
            dGt[:H3] = dG[:, H:].transpose(1, 0, 2)
            dGt[H3:] = dG[:, :H].transpose(1, 0, 2)
            hsT = _workspace("lstm_hsT", (K, T, B), dt)
            hsT[...] = Hs[:-1].transpose(1, 0, 2)
            dW = xp.matmul(dGt.reshape(4 * H, T * B), hsT.reshape(K, T * B).T)
            dW_hh = xp.ascontiguousarray(dW[:, :P]) if need[4] else None
            dW_ih = xp.ascontiguousarray(dW[:, P + nb:]) if need[3] else None
            if self.has_bias:
                db = dW[:, P].copy()
        grads = [dx, dh.T if need[1] else None, dc.T if need[2] else None, dW_ih, dW_hh]
        if self.has_bias:
            grads += [db if need[5] else None, (db.copy() if need[5] else db) if need[6] else None]
        if proj:
            grads.append(xp.matmul(DH.transpose(1, 0, 2).reshape(P, T * B), Hf.transpose(1, 0, 2).reshape(H, T * B).T)
                         if need[-1] else None)
        return tuple(grads)


class GRULayer(_RNNBase):
    """One GRU layer/direction. Inputs: x (T, B, I), h0 (B, H), w_ih (3H, I), w_hh (3H, H),
    [b_ih (3H,), b_hh (3H,)]. Outputs: output (T, B, H), h_n (B, H). Gates r, z, n as PyTorch, with
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``."""

    family = "rnn"
    grad_name = "GRUBackward0"
    differentiable_outputs = 2

    def forward(self, x, h0, w_ih, w_hh, *bias):
        dt = x.dtype
        T, B, _ = x.shape
        H = h0.shape[-1]
        H2 = 2 * H
        scale = xp.ones((3 * H, 1), dtype=dt)
        scale[:H2] = 0.5
        xw = (x.reshape(T * B, -1) @ (w_ih * scale).T).reshape(T, B, 3 * H)
        whT = xp.ascontiguousarray((w_hh * scale).T)
        bh = None
        if self.has_bias:
            xw += bias[0] * scale[:, 0]
            bh = bias[1] * scale[:, 0]
        steps = _steps(T, B, self.reverse, self.batch_sizes)
        alloc = xp.zeros if self.batch_sizes is not None else xp.empty
        A = alloc((T, B, 3 * H), dtype=dt)
        GH = alloc((T, B, 3 * H), dtype=dt)
        Hs = xp.empty((T + 1, B, H), dtype=dt)
        Hs[0] = h0
        for s, t, b in steps:
            gh = GH[s, :b]
            xp.matmul(Hs[s, :b], whT, out=gh)
            if bh is not None:
                gh += bh
            a = A[s, :b]
            rz = a[:, :H2]
            xp.add(xw[t, :b, :H2], gh[:, :H2], out=rz)
            xp.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            n = a[:, H2:]
            xp.multiply(a[:, :H], gh[:, H2:], out=n)
            n += xw[t, :b, H2:]
            xp.tanh(n, out=n)
            h = Hs[s + 1, :b]
            xp.subtract(Hs[s, :b], n, out=h)
            h *= a[:, H:H2]
            h += n
            if b < B:
                Hs[s + 1, b:] = Hs[s, b:]
        out = _output_from_states(Hs, self.reverse, steps, B)
        if self.requires_grad:
            self.save(x, w_ih, w_hh, A, GH, Hs)
            self._steps = steps
        return out, Hs[T].copy()

    def _cell(self, x, state, weights):
        (h,) = state
        w_ih, w_hh = weights[:2]
        gx, gh = x @ w_ih.mT, h @ w_hh.mT
        if self.has_bias:
            gx, gh = gx + weights[2], gh + weights[3]
        xr, xz, xn = gx.chunk(3, 1)
        hr, hz, hn = gh.chunk(3, 1)
        r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        return ((1 - z) * n + z * h,)

    def backward(self, gout, ghT):
        x, w_ih, w_hh, A, GH, Hs = self.saved
        dt = x.dtype
        T, B, _ = x.shape
        H = Hs.shape[-1]
        H2 = 2 * H
        need = self.needs_input_grad
        one = dt.type(1)
        R, Z, N = A[..., :H], A[..., H:H2], A[..., H2:]
        Dn = (one - Z) * (one - N * N)
        Dz = (Hs[:-1] - N) * Z * (one - Z)
        Dr = GH[..., H2:] * R * (one - R)
        gs = _in_step_order(gout, self.reverse)
        dh = ghT.astype(dt, copy=True)
        DX = xp.empty((T, B, 3 * H), dtype=dt)
        DGH = xp.empty((T, B, 3 * H), dtype=dt)
        tmp = xp.empty((B, H), dtype=dt)
        for s, _, b in reversed(self._steps):
            dhb = dh[:b]
            dhb += gs[s, :b]
            dx_ = DX[s, :b]
            dg_ = DGH[s, :b]
            dn = dx_[:, H2:]
            xp.multiply(dhb, Dn[s, :b], out=dn)
            xp.multiply(dhb, Dz[s, :b], out=dx_[:, H:H2])
            xp.multiply(dn, Dr[s, :b], out=dx_[:, :H])
            dg_[:, :H2] = dx_[:, :H2]
            xp.multiply(dn, R[s, :b], out=dg_[:, H2:])
            xp.matmul(dg_, w_hh, out=tmp[:b])
            dhb *= Z[s, :b]
            dhb += tmp[:b]
            if b < B:
                DX[s, b:] = 0
                DGH[s, b:] = 0
        dx, dW_ih, db_ih = self._input_grads(DX, x, w_ih)
        dW_hh = db_hh = None
        DGHf = DGH.reshape(T * B, 3 * H)
        if need[3]:
            dW_hh = DGHf.T @ Hs[:-1].reshape(T * B, H)
        grads = [dx, dh if need[1] else None, dW_ih, dW_hh]
        if self.has_bias:
            if need[5]:
                db_hh = DGHf.sum(axis=0)
            grads += [db_ih if need[4] else None, db_hh]
        return tuple(grads)

    def _input_grads(self, dG, x, w_ih):
        """x, W_ih and b_ih gradients from the input-side pre-activation gradients dG (T, B, 3H)."""
        T, B, nG = dG.shape
        need = self.needs_input_grad
        dGf = dG.reshape(T * B, nG)
        dx = dW = db = None
        if need[0]:
            dx = (dGf @ w_ih).reshape(T, B, -1)
            if self.reverse:
                dx = dx[::-1]
        if need[2]:
            dW = dGf.T @ _in_step_order(x, self.reverse).reshape(T * B, -1)
        if self.has_bias and need[4]:
            db = dGf.sum(axis=0)
        return dx, dW, db


class RNNLayer(_RNNBase):
    """One Elman RNN layer/direction (``nonlinearity`` 'tanh' or 'relu'). Inputs: x (T, B, I), h0 (B, H),
    w_ih (H, I), w_hh (H, H), [b_ih, b_hh]. Outputs: output (T, B, H), h_n (B, H)."""

    family = "rnn"
    grad_name = "RNNBackward0"
    differentiable_outputs = 2
    nonlinearity = "tanh"

    def forward(self, x, h0, w_ih, w_hh, *bias):
        dt = x.dtype
        T, B, _ = x.shape
        H = h0.shape[-1]
        xw = (x.reshape(T * B, -1) @ w_ih.T).reshape(T, B, H)
        if self.has_bias:
            xw += bias[0] + bias[1]
        whT = xp.ascontiguousarray(w_hh.T)
        steps = _steps(T, B, self.reverse, self.batch_sizes)
        Hs = xp.empty((T + 1, B, H), dtype=dt)
        Hs[0] = h0
        relu = self.nonlinearity == "relu"
        for s, t, b in steps:
            h = Hs[s + 1, :b]
            xp.matmul(Hs[s, :b], whT, out=h)
            h += xw[t, :b]
            if relu:
                xp.maximum(h, 0, out=h)
            else:
                xp.tanh(h, out=h)
            if b < B:
                Hs[s + 1, b:] = Hs[s, b:]
        out = _output_from_states(Hs, self.reverse, steps, B)
        if self.requires_grad:
            self.save(x, w_ih, w_hh, Hs)
            self._steps = steps
        return out, Hs[T].copy()

    def _cell(self, x, state, weights):
        z = x @ weights[0].mT + state[0] @ weights[1].mT
        if self.has_bias:
            z = z + weights[2] + weights[3]
        return (z.relu() if self.nonlinearity == "relu" else z.tanh(),)

    def backward(self, gout, ghT):
        x, w_ih, w_hh, Hs = self.saved
        dt = x.dtype
        T, B, _ = x.shape
        H = Hs.shape[-1]
        need = self.needs_input_grad
        Hn = Hs[1:]
        D = (Hn > 0).astype(dt) if self.nonlinearity == "relu" else dt.type(1) - Hn * Hn
        gs = _in_step_order(gout, self.reverse)
        dh = ghT.astype(dt, copy=True)
        DP = xp.empty((T, B, H), dtype=dt)
        for s, _, b in reversed(self._steps):
            dhb = dh[:b]
            dhb += gs[s, :b]
            d = DP[s, :b]
            xp.multiply(dhb, D[s, :b], out=d)
            xp.matmul(d, w_hh, out=dhb)
            if b < B:
                DP[s, b:] = 0
        DPf = DP.reshape(T * B, H)
        dx = dW_ih = dW_hh = db = None
        if need[0]:
            dx = (DPf @ w_ih).reshape(T, B, -1)
            if self.reverse:
                dx = dx[::-1]
        if need[2]:
            dW_ih = DPf.T @ _in_step_order(x, self.reverse).reshape(T * B, -1)
        if need[3]:
            dW_hh = DPf.T @ Hs[:-1].reshape(T * B, H)
        grads = [dx, dh if need[1] else None, dW_ih, dW_hh]
        if self.has_bias:
            if need[4] or need[5]:
                db = DPf.sum(axis=0)
            grads += [db if need[4] else None, (db.copy() if need[4] else db) if need[5] else None]
        return tuple(grads)


def _packed_index(batch_sizes, B):
    """Row of each packed element in the flattened (T * B) padded layout, in packed order."""
    return xp.concatenate([t * B + xp.arange(b) for t, b in enumerate(batch_sizes)])


class PackedToPadded(Op):
    """Packed data (sum(batch_sizes), *) to time-major padded (T, B, *), filled with ``padding_value``."""

    family = "rnn"
    grad_name = "PackPaddedSequenceBackward0"
    padding_value = 0.0
    total_length = None

    def forward(self, data):
        bs = self.batch_sizes
        B = bs[0] if bs else 0
        T = self.total_length or len(bs)
        self.index = idx = _packed_index(bs, B)
        out = xp.full((T * B,) + data.shape[1:], self.padding_value, dtype=data.dtype)
        out[idx] = data
        return out.reshape((T, B) + data.shape[1:])

    def backward(self, g):
        return (g.reshape((-1,) + g.shape[2:])[self.index],)

    def backward_graph(self, g):
        return (PaddedToPacked.apply(g, batch_sizes=self.batch_sizes),)


class PaddedToPacked(Op):
    """Time-major padded (T, B, *) to packed data (sum(batch_sizes), *) (the rows each step keeps)."""

    family = "rnn"
    grad_name = "PackPaddedSequenceBackward0"

    def forward(self, x):
        bs = self.batch_sizes
        B = x.shape[1]
        self.index = idx = _packed_index(bs, B)
        self.shape = x.shape
        return x.reshape((-1,) + x.shape[2:])[idx]

    def backward(self, g):
        out = xp.zeros((self.shape[0] * self.shape[1],) + self.shape[2:], dtype=g.dtype)
        out[self.index] = g
        return (out.reshape(self.shape),)

    def backward_graph(self, g):
        return (PackedToPadded.apply(g, batch_sizes=self.batch_sizes, total_length=self.shape[0]),)
