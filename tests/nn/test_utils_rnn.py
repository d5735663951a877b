"""ember.nn.utils.rnn (padding and packing) and the recurrent layers on packed input, against PyTorch."""

import numpy as np
import pytest

import ember
from ember.nn.utils import rnn as ernn
from tests._helpers import sweep_outcome


def _seqs(rng, lengths, feat=(2,)):
    return [rng.standard_normal((n, *feat)).astype("float32") for n in lengths]


@pytest.mark.parametrize("kwargs", [dict(), dict(batch_first=True), dict(padding_value=-3.0),
                                    dict(padding_side="left", batch_first=True), dict(padding_side="left")])
def test_pad_sequence(torch, kwargs):
    rng = np.random.default_rng(0)
    seqs = _seqs(rng, [2, 4, 1])
    t = torch.nn.utils.rnn.pad_sequence([torch.from_numpy(s) for s in seqs], **kwargs)
    e = ernn.pad_sequence([ember.from_numpy(s) for s in seqs], **kwargs)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_pad_sequence_gradient_and_1d(torch):
    rng = np.random.default_rng(1)
    seqs = [rng.standard_normal(n) for n in (3, 1)]
    ts = [torch.tensor(s, requires_grad=True) for s in seqs]
    es = [ember.tensor(s, requires_grad=True) for s in seqs]
    g = rng.standard_normal((3, 2))
    (torch.nn.utils.rnn.pad_sequence(ts) * torch.tensor(g)).sum().backward()
    (ernn.pad_sequence(es) * ember.tensor(g)).sum().backward()
    for a, b in zip(ts, es):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([4, 3, 3, 1], True), ([2, 4, 1, 3], False),
                                                    ([3, 3, 3, 3], True)])
def test_pack_and_unpack(torch, batch_first, lengths, enforce_sorted):
    rng = np.random.default_rng(2)
    shape = (4, 5, 2) if batch_first else (5, 4, 2)
    x = rng.standard_normal(shape).astype("float32")
    tu, eu = torch.nn.utils.rnn, ernn
    tp = tu.pack_padded_sequence(torch.from_numpy(x), lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    ep = eu.pack_padded_sequence(ember.from_numpy(x), lengths, batch_first=batch_first,
                                 enforce_sorted=enforce_sorted)
    assert isinstance(ep, eu.PackedSequence)
    np.testing.assert_array_equal(ep.data.numpy(), tp.data.numpy())
    assert ep.batch_sizes.tolist() == tp.batch_sizes.tolist()
    assert ep.batch_sizes.dtype == ember.int64
    for a, b in ((ep.sorted_indices, tp.sorted_indices), (ep.unsorted_indices, tp.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.tolist() == b.tolist()
    tpad, tlen = tu.pad_packed_sequence(tp, batch_first=batch_first, padding_value=9.0, total_length=6)
    epad, elen = eu.pad_packed_sequence(ep, batch_first=batch_first, padding_value=9.0, total_length=6)
    np.testing.assert_array_equal(epad.numpy(), tpad.numpy())
    assert elen.tolist() == tlen.tolist()
    assert elen.dtype == ember.int64


def test_pack_sequence_and_unpack_sequence(torch):
    rng = np.random.default_rng(3)
    seqs = _seqs(rng, [2, 5, 3])
    tp = torch.nn.utils.rnn.pack_sequence([torch.from_numpy(s) for s in seqs], enforce_sorted=False)
    ep = ernn.pack_sequence([ember.from_numpy(s) for s in seqs], enforce_sorted=False)
    np.testing.assert_array_equal(ep.data.numpy(), tp.data.numpy())
    assert ep.batch_sizes.tolist() == tp.batch_sizes.tolist()
    back = ernn.unpack_sequence(ep)
    for s, b in zip(seqs, back):
        np.testing.assert_array_equal(b.numpy(), s)


def test_pack_padded_gradient(torch):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 3, 2))
    xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    tp = torch.nn.utils.rnn.pack_padded_sequence(xt, [1, 3, 2], enforce_sorted=False)
    ep = ernn.pack_padded_sequence(xe, [1, 3, 2], enforce_sorted=False)
    g = rng.standard_normal(tuple(tp.data.shape))
    (tp.data * torch.tensor(g)).sum().backward()
    (ep.data * ember.tensor(g)).sum().backward()
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("case", [
    lambda m: m.nn.utils.rnn.pack_padded_sequence(m.zeros(3, 2, 1), [1, 2]),
    lambda m: m.nn.utils.rnn.pack_padded_sequence(m.zeros(3, 2, 1), [2, 0]),
    lambda m: m.nn.utils.rnn.pack_padded_sequence(m.zeros(3, 2, 1), [2, 2, 1]),
    lambda m: m.nn.utils.rnn.pad_packed_sequence(m.nn.utils.rnn.pack_padded_sequence(m.zeros(3, 2), [3, 2]),
                                                 total_length=2),
    lambda m: m.nn.utils.rnn.pad_sequence([m.zeros(2)], padding_side="middle"),
])
def test_errors_match_torch(torch, case):
    with pytest.raises(Exception) as t_info:
        case(torch)
    with pytest.raises(type(t_info.value)) as e_info:
        case(ember)
    assert str(e_info.value) == str(t_info.value)


def _copy(t_mod, e_mod):
    for name, p in t_mod.named_parameters():
        getattr(e_mod, name)._data[...] = p.detach().numpy()


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_recurrent_layers_on_packed_input(torch, kind, bidirectional, enforce_sorted):
    rng = np.random.default_rng(5)
    t_mod = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=bidirectional, batch_first=True).double()
    e_mod = getattr(ember.nn, kind)(3, 4, num_layers=2, bidirectional=bidirectional, batch_first=True).double()
    _copy(t_mod, e_mod)
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    D = 2 if bidirectional else 1
    x = rng.standard_normal((4, 5, 3))
    h = rng.standard_normal((2 * D, 4, 4))
    xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    ht, he = torch.tensor(h, requires_grad=True), ember.tensor(h, requires_grad=True)
    tp = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, batch_first=True, enforce_sorted=enforce_sorted)
    ep = ernn.pack_padded_sequence(xe, lengths, batch_first=True, enforce_sorted=enforce_sorted)
    if kind == "LSTM":
        t_out, (t_h, t_c) = t_mod(tp, (ht, ht * 0.5))
        e_out, (e_h, e_c) = e_mod(ep, (he, he * 0.5))
    else:
        (t_out, t_h), (e_out, e_h) = t_mod(tp, ht), e_mod(ep, he)
        t_c, e_c = t_h, e_h
    assert isinstance(e_out, ernn.PackedSequence)
    assert e_out.batch_sizes.tolist() == t_out.batch_sizes.tolist()
    t_pad, _ = torch.nn.utils.rnn.pad_packed_sequence(t_out, batch_first=True)
    e_pad, _ = ernn.pad_packed_sequence(e_out, batch_first=True)
    g1 = rng.standard_normal(tuple(t_pad.shape))
    g2 = rng.standard_normal(tuple(t_h.shape))
    t_loss = (t_pad * torch.tensor(g1)).sum() + (t_h * torch.tensor(g2)).sum() + t_c.sum()
    e_loss = (e_pad * ember.tensor(g1)).sum() + (e_h * ember.tensor(g2)).sum() + e_c.sum()
    for a, b in ((t_pad, e_pad), (t_h, e_h), (t_c, e_c)):
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), atol=1e-10)
    t_loss.backward()
    e_loss.backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(he.grad.numpy(), ht.grad.numpy(), atol=1e-10)
    for name, p in t_mod.named_parameters():
        np.testing.assert_allclose(getattr(e_mod, name).grad.numpy(), p.grad.numpy(), atol=1e-10, err_msg=name)


def test_packed_sequence_fields_and_methods():
    packed = ernn.pack_sequence([ember.ones(3, 2), ember.ones(2, 2)])
    assert packed._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert packed.batch_sizes.tolist() == [2, 2, 1]
    assert packed.double().data.dtype == ember.float64
    assert repr(packed).startswith("PackedSequence(data=tensor(")




@pytest.mark.parametrize("shapes", [
    [(2, 3), (2, 4)], [(2, 3), (2,)], [(2,), (2, 3)], [(2, 3, 4), (2, 5, 6)], [(3, 1), (3, 4)], [(3, 4), (2, 1)],
    [(3, 3), (3,)], [(2, 3), "list"], ["list", (1,)],
])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pad_sequence_mismatched_inputs(torch, shapes, batch_first):
    def run(lib):
        seqs = [[1, 2] if s == "list" else lib.arange(float(np.prod(s))).reshape(s) for s in shapes]
        return sweep_outcome(lambda: lib.nn.utils.rnn.pad_sequence(seqs, batch_first=batch_first).tolist())
    assert run(ember) == run(torch)


def test_pad_sequence_takes_first_dtype(torch):
    for lib in (ember, torch):
        out = lib.nn.utils.rnn.pad_sequence([lib.ones(2, dtype=lib.long), lib.full((1,), 2.5)])
        assert out.dtype == lib.long and out.tolist() == [[1, 2], [1, 0]]


@pytest.mark.parametrize("case", [
    lambda m: m.nn.utils.rnn.pack_padded_sequence(m.zeros(3, 2, 1), m.tensor([[3], [2]])),
    lambda m: m.nn.utils.rnn.pack_padded_sequence(m.zeros(3, 2, 1), [[3], [2]]),
    lambda m: m.nn.utils.rnn.pack_padded_sequence(m.zeros(3, 1, 1), m.tensor(3)),
    lambda m: m.nn.utils.rnn.pad_packed_sequence(m.zeros(3, 2)),
    lambda m: m.nn.utils.rnn.pad_packed_sequence((m.zeros(3, 2), m.tensor([2, 1]))),
    lambda m: m.nn.utils.rnn.pad_sequence([m.tensor(1.0), m.tensor(2.0)]),
    lambda m: m.nn.utils.rnn.pad_sequence([m.tensor(1.0), m.ones(2)], batch_first=True),
    lambda m: m.nn.utils.rnn.pad_sequence([m.ones(2), m.tensor(1.0)]),
])
def test_more_errors_match_torch(torch, case):
    assert sweep_outcome(lambda: case(ember)) == sweep_outcome(lambda: case(torch))


def _packed_pair(torch):
    seqs = _seqs(np.random.default_rng(0), [3, 1, 2])
    t = torch.nn.utils.rnn.pack_sequence([torch.from_numpy(s) for s in seqs], enforce_sorted=False)
    e = ernn.pack_sequence([ember.from_numpy(s) for s in seqs], enforce_sorted=False)
    return e, t


@pytest.mark.parametrize("name", ["half", "long", "int", "short", "char", "byte", "double", "float", "bfloat16",
                                  "cpu", "is_pinned", "pin_memory", "cuda"])
def test_packed_sequence_methods_match_torch(torch, name):
    e, t = _packed_pair(torch)

    def run(p):
        r = getattr(p, name)()
        if not isinstance(r, tuple):
            return r
        fields = [(str(f.dtype).split(".")[-1], f.tolist()) for f in r if f is not None]
        return type(r).__name__, r is p, fields

    assert sweep_outcome(lambda: run(e)) == sweep_outcome(lambda: run(t))


@pytest.mark.parametrize("args,kwargs", [((), dict(copy=True)), (("float64",), dict(copy=False)), (("float64",), {}),
                                         (("float32",), {}), (("cpu",), {}), ((), dict(dtype="int32")),
                                         ((), dict(device="meta"))])
def test_packed_sequence_to_matches_torch(torch, args, kwargs):
    e, t = _packed_pair(torch)

    def run(m, p):
        conv = {k: getattr(m, v) if v in ("float64", "float32", "int32") else v for k, v in kwargs.items()}
        r = p.to(*[getattr(m, a) if a.startswith(("float", "int")) else a for a in args], **conv)
        return r is p, str(r.data.dtype).split(".")[-1], r.data.device.type, r.batch_sizes.device.type

    assert sweep_outcome(lambda: run(ember, e)) == sweep_outcome(lambda: run(torch, t))
