"""``repr`` of tensors must be torch's, with "torch" spelled "ember"."""

import numpy as np
import pytest

import ember

CASES = [
    ("ints", lambda m: m.tensor([1, 2, 3])),
    ("neg-ints", lambda m: m.tensor([[-1, 20], [300, -4000]])),
    ("int-0d", lambda m: m.tensor(5)),
    ("float-0d", lambda m: m.tensor(3.25)),
    ("float-0d-int-valued", lambda m: m.tensor(2.0)),
    ("floats", lambda m: m.tensor([1.5, -2.25, 3.125])),
    ("int-valued-floats", lambda m: m.tensor([1.0, 2.0, -3.0])),
    ("zeros", lambda m: m.zeros(2, 3)),
    ("neg-zero", lambda m: m.tensor([-0.0, 1.0])),
    ("sci-small", lambda m: m.tensor([1e-5, 1.0])),
    ("sci-large", lambda m: m.tensor([1e9, 1.0])),
    ("sci-ratio", lambda m: m.tensor([0.001, 2.0, 3000.5])),
    ("sci-int-valued-large", lambda m: m.tensor([1e10, 3.0])),
    ("nan-inf", lambda m: m.tensor([float("nan"), float("inf"), -float("inf"), 1.5])),
    ("nan-int-valued", lambda m: m.tensor([float("nan"), 2.0])),
    ("only-nan", lambda m: m.tensor([float("nan")])),
    ("only-inf", lambda m: m.tensor([float("inf"), -float("inf")])),
    ("precision", lambda m: m.tensor([0.123456789, 10.5])),
    ("bool", lambda m: m.tensor([True, False])),
    ("bool-2d", lambda m: m.tensor([[True], [False]])),
    ("empty", lambda m: m.tensor([])),
    ("empty-2d", lambda m: m.zeros(0, 3)),
    ("empty-int", lambda m: m.zeros(2, 0, dtype=m.int64)),
    ("3d", lambda m: m.arange(24).reshape(2, 3, 4)),
    ("3d-float", lambda m: m.arange(24, dtype=m.float32).reshape(2, 3, 4) / 7),
    ("4d", lambda m: m.arange(16).reshape(2, 2, 2, 2)),
    ("summarised-1d", lambda m: m.arange(2000)),
    ("summarised-2d", lambda m: m.arange(3000, dtype=m.float32).reshape(50, 60) / 3),
    ("summarised-3d", lambda m: m.arange(2 * 30 * 40).reshape(2, 30, 40)),
    ("long-row-wrap", lambda m: m.arange(30, dtype=m.float32) / 3),
    ("long-int-row", lambda m: m.arange(100) * 1000),
    ("float64", lambda m: m.tensor([1.5, 2.0], dtype=m.float64)),
    ("float16", lambda m: m.tensor([1.5, 2.0], dtype=m.float16)),
    ("int32", lambda m: m.tensor([1, 2], dtype=m.int32)),
    ("uint8", lambda m: m.tensor([1, 2], dtype=m.uint8)),
    ("int8-empty", lambda m: m.tensor([], dtype=m.int8)),
    ("float64-0d", lambda m: m.tensor(1.5, dtype=m.float64)),
    ("requires-grad", lambda m: m.tensor([1.0, 2.0], requires_grad=True)),
    ("requires-grad-f64", lambda m: m.ones(2, dtype=m.float64, requires_grad=True)),
    ("grad-fn-add", lambda m: m.tensor([1.0, 2.0], requires_grad=True) + 1),
    ("grad-fn-mul", lambda m: m.tensor([1.0, 2.0], requires_grad=True) * 2),
    ("grad-fn-sum", lambda m: m.tensor([1.0, 2.0], requires_grad=True).sum()),
    ("grad-fn-mean", lambda m: m.tensor([1.0, 2.0], requires_grad=True).mean()),
    ("grad-fn-view", lambda m: (m.ones(2, 2, requires_grad=True) * 1).view(4)),
    ("grad-fn-long-line", lambda m: m.arange(12, dtype=m.float32).requires_grad_() * 1.5),
    ("grad-fn-2d", lambda m: m.ones(2, 3, requires_grad=True).exp()),
    ("big-values", lambda m: m.tensor([123456.789, 1.0])),
    ("mixed-magnitude", lambda m: m.tensor([[0.0001, 1.0], [10.0, 100.0]])),
    ("tiny", lambda m: m.tensor([1e-10])),
    ("large-int64", lambda m: m.tensor([2 ** 40, -3])),
    ("columns", lambda m: m.tensor([[1.0, -10.5], [100.25, 2.0]])),
    ("randn", lambda m: m.from_numpy(np.random.default_rng(0).standard_normal((3, 5)).astype("float32"))),
    ("randn-big", lambda m: m.from_numpy(np.random.default_rng(1).standard_normal((40, 40)).astype("float32"))),
    ("scaled", lambda m: m.from_numpy(np.random.default_rng(2).standard_normal((4, 4)).astype("float32") * 1e-3)),
    ("wide-2d-wrap", lambda m: m.arange(40, dtype=m.float32).reshape(2, 20) * 1.234),
    ("wide-3d-sci", lambda m: m.from_numpy(np.random.default_rng(0).standard_normal((2, 3, 30)).astype("float32")
                                           * 1e5)),
    ("float16-values", lambda m: m.tensor([1.5, 2.25], dtype=m.float16) * 3),
    ("int8-extremes", lambda m: m.tensor([-128, 127], dtype=m.int8)),
    ("summarised-rows", lambda m: m.arange(1100.0).reshape(100, 11)),
    ("bool-summarised", lambda m: m.tensor([[True, False, True]] * 400)),
    ("nan-0d", lambda m: m.tensor(float("nan"))),
    ("grad-fn-max-values", lambda m: m.tensor([[1.0, 2.0]], requires_grad=True).max(1)[0]),
    ("grad-fn-unbind", lambda m: m.tensor([[1.0, 2.0]], requires_grad=True).unbind(0)[0]),
]


@pytest.mark.parametrize("name,fn", CASES, ids=[n for n, _ in CASES])
def test_repr_matches_torch(torch, name, fn):
    expected = repr(fn(torch)).replace("torch.", "ember.")
    assert repr(fn(ember)) == expected


def test_str_equals_repr():
    x = ember.tensor([1.0, 2.5])
    assert str(x) == repr(x) == "tensor([1.0000, 2.5000])"


def test_set_printoptions(torch):
    try:
        for lib in (torch, ember):
            lib.set_printoptions(precision=2)
        assert repr(ember.tensor([1.23456])) == repr(torch.tensor([1.23456]))
        for lib in (torch, ember):
            lib.set_printoptions(sci_mode=True)
        assert repr(ember.tensor([1.5, 2.0])) == repr(torch.tensor([1.5, 2.0]))
        assert repr(ember.tensor([1.5, 200.0, float("nan")])) == repr(torch.tensor([1.5, 200.0, float("nan")]))
        for lib in (torch, ember):
            lib.set_printoptions(sci_mode=False, precision=4)
        assert repr(ember.tensor([1e-6, 200.0])) == repr(torch.tensor([1e-6, 200.0]))
        for lib in (torch, ember):
            lib.set_printoptions(linewidth=40, sci_mode=None)
        assert repr(ember.arange(20.0)) == repr(torch.arange(20.0))
        for lib in (torch, ember):
            lib.set_printoptions(threshold=5, edgeitems=2)
        assert repr(ember.arange(10)) == repr(torch.arange(10))
    finally:
        for lib in (torch, ember):
            lib.set_printoptions(profile="default")
            lib.set_printoptions(sci_mode=None)
    assert repr(ember.tensor([1.23456])) == "tensor([1.2346])"


def test_format_of_0d():
    assert f"{ember.tensor(1.5):.2f}" == "1.50"


def test_return_types_repr(torch):
    e = ember.tensor([[1.0, 3.0], [2.0, 0.0]]).max(1)
    t = torch.tensor([[1.0, 3.0], [2.0, 0.0]]).max(1)
    assert repr(e) == repr(t).replace("torch.", "ember.")
    for name in ("cummax", "cummin"):
        e = getattr(ember.tensor([[1.0, 3.0], [2.0, 0.0]], requires_grad=True), name)(1)
        t = getattr(torch.tensor([[1.0, 3.0], [2.0, 0.0]], requires_grad=True), name)(1)
        assert repr(e).split("grad_fn")[0] == repr(t).replace("torch.", "ember.").split("grad_fn")[0]
        assert e.values.grad_fn.name() == t.values.grad_fn.name()
        assert type(e).__name__ == type(t).__name__ == name


def test_tensor_str_print_opts_as_in_torch(torch):
    import ember._tensor_str

    for lib in (ember, torch):
        lib.set_printoptions(precision=2, linewidth=100)
    try:
        ours, theirs = ember._tensor_str.PRINT_OPTS, torch._tensor_str.PRINT_OPTS
        for name in ("precision", "threshold", "edgeitems", "linewidth", "sci_mode"):
            assert getattr(ours, name) == getattr(theirs, name), name
    finally:
        for lib in (ember, torch):
            lib.set_printoptions(profile="default")
            lib.set_printoptions(sci_mode=None)


@pytest.mark.parametrize("sci_mode", [True, False])
def test_sci_mode_applies_only_with_nonzero_finite_values(torch, sci_mode):
    # PyTorch's forced sci_mode formats the finite non-zero values: zeros, nan and inf alone print as they do
    # without it (tensor([0., 0.]), not tensor([0.0000e+00, 0.0000e+00]))
    values = ([0.0, 0.0, 0.0], [0.0, float("nan"), float("inf")], [float("nan")], [-0.0, 0.0], [1.0, 0.0],
              [0.5, 0.0])
    got, want = [], []
    for lib, out in ((ember, got), (torch, want)):
        lib.set_printoptions(sci_mode=sci_mode)
        try:
            for v in values:
                for dt in ("float32", "float16", "float64", "complex64"):
                    out.append(repr(lib.tensor(v, dtype=getattr(lib, dt))).replace("torch.", "ember."))
            out.append(repr(lib.tensor(0.0)))
            out.append(repr(lib.tensor([1j, 0j])))
        finally:
            lib.set_printoptions(profile="default")
            lib.set_printoptions(sci_mode=None)
    assert got == want


@pytest.mark.parametrize("edgeitems,threshold,linewidth", [(0, 5, 80), (0, 1000, 80), (0, 0, 80), (0, 3, 30),
                                                           (1, 3, 80)])
def test_edgeitems_zero_prints_size_as_torch(torch, edgeitems, threshold, linewidth):
    # edgeitems=0: summarised tensors print "[...]" and every non-empty tensor gets a "size=" suffix
    def reprs(lib):
        return [repr(t).replace("torch.", "ember.") for t in (
            lib.arange(10), lib.arange(3), lib.arange(20).reshape(4, 5), lib.arange(24.0).reshape(2, 3, 4) / 7,
            lib.tensor(3), lib.tensor(2.5, dtype=lib.float16), lib.zeros(3, 0, 2), lib.tensor([]),
            lib.ones(2, 3, dtype=lib.int32), lib.ones(2, 3, dtype=lib.float64, requires_grad=True),
            lib.arange(4.0, requires_grad=True) * 2, lib.tensor([1 + 2j, 3j]), lib.tensor([True, False]),
            lib.arange(7).reshape(7, 1), lib.nn.Parameter(lib.ones(2, 2)), lib.arange(40.0).reshape(2, 20))]

    got, want = [], []
    for lib, out in ((ember, got), (torch, want)):
        lib.set_printoptions(edgeitems=edgeitems, threshold=threshold, linewidth=linewidth)
        try:
            out.extend(reprs(lib))
        finally:
            lib.set_printoptions(profile="default")
    assert got == want


def test_get_printoptions_and_printoptions_context(torch):
    import ember._tensor_str as ets
    import torch._tensor_str as tts

    assert ets.get_printoptions() == tts.get_printoptions()
    for lib in (ember, torch):
        lib.set_printoptions(sci_mode=True)
    try:
        seen = []
        for lib, ts in ((ember, ets), (torch, tts)):
            with ts.printoptions(precision=2, edgeitems=0) as v:
                # (set_printoptions resets sci_mode inside; the old value comes back after)
                seen.append((v, ts.get_printoptions(), repr(lib.tensor([1.23456]))))
            seen.append(ts.get_printoptions())
            with pytest.raises(ValueError):
                with ts.printoptions(profile="full"):
                    seen.append(ts.get_printoptions())
                    raise ValueError
            seen.append(ts.get_printoptions())
            with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
                with ts.printoptions(bogus=1):
                    pass
        half = len(seen) // 2
        assert seen[:half] == seen[half:]
    finally:
        for lib in (ember, torch):
            lib.set_printoptions(profile="default")
            lib.set_printoptions(sci_mode=None)
    assert ets.get_printoptions() == tts.get_printoptions()


def test_subclass_reprs_as_torch(torch):
    def reprs(lib):
        class MyT(lib.Tensor):
            pass

        class MyT2(MyT):
            pass

        class P2(lib.nn.Parameter):
            pass

        a = lib.ones(2).as_subclass(MyT)
        return [repr(a), str(a), format(a), f"{lib.tensor(1.5).as_subclass(MyT)}",
                repr(lib.zeros(0).as_subclass(MyT)), repr(lib.ones(2, 3, dtype=lib.int32).as_subclass(MyT)),
                repr(lib.arange(3).as_subclass(MyT2)), repr(lib.ones(2, requires_grad=True).as_subclass(MyT)),
                repr(P2(lib.ones(1))), str(P2(lib.ones(1))), repr(P2(lib.ones(1), requires_grad=False)),
                repr(lib.nn.Parameter(lib.ones(1))), repr(lib.nn.Parameter(lib.ones(1), requires_grad=False)),
                # tensor_contents replaces the values; the suffixes stay
                lib.ones(2).__repr__(tensor_contents="XYZ"),
                lib.ones(2, requires_grad=True).__repr__(tensor_contents="XYZ"),
                lib.ones(2, dtype=lib.int32).__repr__(tensor_contents="[1,\n 2]"),
                a.__repr__(tensor_contents="ab"), lib.Tensor.__repr__(P2(lib.ones(1)), tensor_contents="q"),
                lib.Tensor.__repr__(lib.zeros(0), tensor_contents="q"),
                lib.Tensor.__repr__(lib.zeros(2, 0, dtype=lib.int32), tensor_contents="q")]

    assert reprs(ember) == [r.replace("torch.", "ember.") for r in reprs(torch)]
