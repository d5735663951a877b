"""Results PyTorch lays out row-major (so that ``.view()`` works) though NumPy would keep a transposed input's
layout: strides compared with torch, channels-last kept where PyTorch keeps it."""

import numpy as np
import pytest

import ember

CASES = [
    ("topk-values", lambda m, x, t: x.topk(2, dim=1)[0]),
    ("topk-indices", lambda m, x, t: x.topk(2, dim=1)[1]),
    ("cat", lambda m, x, t: m.cat([t, t], 0)),
    ("cat-dim1", lambda m, x, t: m.cat([t, t], 1)),
    ("stack", lambda m, x, t: m.stack([t, t])),
    ("stack-dim2", lambda m, x, t: m.stack([t, t], 2)),
    ("cumsum", lambda m, x, t: t.cumsum(1)),
    ("cumsum-last", lambda m, x, t: t.cumsum(2)),
    ("cummax-values", lambda m, x, t: t.cummax(1)[0]),
    ("cummax-indices", lambda m, x, t: t.cummax(1)[1]),
    ("cummin-values", lambda m, x, t: t.cummin(2)[0]),
    ("softmax", lambda m, x, t: t.softmax(-1)),
    ("softmax-dim1", lambda m, x, t: t.softmax(1)),
    ("roll", lambda m, x, t: t.roll(1, 1)),
    ("repeat-ones", lambda m, x, t: t.repeat(1, 1, 1)),
    ("tile-ones", lambda m, x, t: t.tile((1,))),
    ("diag_embed-dims", lambda m, x, t: m.diag_embed(x[0], 1, 0, 2)),
    ("diag_embed-transposed", lambda m, x, t: m.diag_embed(t[0])),
]


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_row_major_results(torch, name, fn):
    def run(m):
        x = m.arange(24.0).reshape(2, 3, 4)
        t = m.arange(24.0).reshape(2, 4, 3).transpose(1, 2)
        return fn(m, x, t)
    rt, re = run(torch), run(ember)
    assert re.stride() == rt.stride()
    np.testing.assert_allclose(re.numpy(), rt.numpy(), rtol=1e-6)
    re.view(-1)


CHANNELS_LAST = [
    ("cat", lambda m, x: m.cat([x, x], 1)),
    ("cat-mixed", lambda m, x: m.cat([x, x.contiguous()], 1)),
    ("stack", lambda m, x: m.stack([x, x])),
    ("roll", lambda m, x: x.roll(1, 1)),
    ("cumsum", lambda m, x: x.cumsum(1)),
    ("softmax", lambda m, x: x.softmax(1)),
    ("cummax", lambda m, x: x.cummax(1)[0]),
]


@pytest.mark.parametrize("name,fn", CHANNELS_LAST, ids=[c[0] for c in CHANNELS_LAST])
def test_channels_last_inputs(torch, name, fn):
    def run(m):
        return fn(m, m.arange(120.0).reshape(2, 3, 4, 5).contiguous(memory_format=m.channels_last))
    rt, re = run(torch), run(ember)
    assert re.stride() == rt.stride()
    np.testing.assert_allclose(re.numpy(), rt.numpy(), rtol=1e-6)
