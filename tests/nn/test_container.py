"""Containers (Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict) against PyTorch."""

from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as enn


def _err(fn):
    try:
        fn()
    except BaseException as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


def _same_repr(e_obj, t_obj):
    assert repr(e_obj) == repr(t_obj).replace("torch.", "ember.")


# ---------------------------------------------------------------------------------------------- Sequential
def _seq(nn):
    return nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.Tanh())


def test_sequential_forward_matches_torch(torch):
    t_seq, e_seq = _seq(torch.nn), _seq(enn)
    e_seq.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t_seq.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 2)).astype("float32")
    np.testing.assert_allclose(e_seq(ember.from_numpy(x)).detach().numpy(),
                               t_seq(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert list(e_seq.state_dict()) == list(t_seq.state_dict())


def test_sequential_indexing_and_editing_match_torch(torch):
    def ops(nn):
        s = _seq(nn)
        out = [repr(s[-1]), repr(s[1:3]), len(s), repr(s[::2])]
        s.append(nn.Sigmoid())
        s.insert(1, nn.Identity())
        s.insert(-1, nn.ReLU())
        out.append(repr(s))
        out.append(repr(s.pop(0)))
        del s[1:3]
        out.append(repr(s))
        del s[-1]
        s[0] = nn.Tanh()
        s.extend([nn.ReLU()])
        out.append(repr(s))
        out.append(repr(s + nn.Sequential(nn.Identity())))
        out.append(repr(s * 2))
        out.append(repr(2 * nn.Sequential(nn.ReLU())))
        s += nn.Sequential(nn.Sigmoid())
        out.append(repr(s))
        out.append([type(m).__name__ for m in s])
        return out

    t_out, e_out = ops(torch.nn), ops(enn)
    assert [str(v).replace("torch.", "ember.") for v in t_out] == [str(v) for v in e_out]


def test_sequential_ordereddict_keys_and_renumbering(torch):
    for nn in (torch.nn, enn):
        s = nn.Sequential(OrderedDict([("a", nn.ReLU()), ("b", nn.Tanh())]))
        assert [k for k, _ in s.named_children()] == ["a", "b"]
        assert type(s[1]).__name__ == "Tanh" and type(s.b).__name__ == "Tanh"
        del s[0]
        assert [k for k, _ in s.named_children()] == ["0"]
    assert repr(enn.Sequential(OrderedDict([("a", enn.ReLU())]))) == "Sequential(\n  (a): ReLU()\n)"


def test_sequential_errors_match_torch(torch):
    def cases(nn):
        s = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
        return [lambda: s[5], lambda: s[-4], lambda: s["a"], lambda: s.insert(7, nn.ReLU()),
                lambda: s.append(3), lambda: s + 3, lambda: s * 0, lambda: s.__setitem__(0, 3)]

    for e, t in zip(cases(enn), cases(torch.nn)):
        te, ee = _err(t), _err(e)
        assert te is not None and (ee[0], ee[1].replace("torch.", "ember.")) == \
            (te[0], te[1].replace("torch.", "ember.")), (ee, te)
    with pytest.raises(AssertionError, match="module should be of type"):
        enn.Sequential().insert(0, 3)


# ---------------------------------------------------------------------------------------------- ModuleList
def test_modulelist_repr_collapses_repeats(torch):
    def make(nn):
        lin = nn.Linear(2, 3)
        return nn.ModuleList([lin, lin, lin, nn.ReLU(), nn.Linear(2, 3), nn.Linear(2, 3), nn.ReLU()])

    _same_repr(make(enn), make(torch.nn))
    _same_repr(enn.ModuleList(), torch.nn.ModuleList())
    nested = [nn.ModuleList([nn.Sequential(nn.Linear(1, 1), nn.ReLU())] * 2) for nn in (enn, torch.nn)]
    _same_repr(*nested)


def test_modulelist_list_operations(torch):
    def ops(nn):
        ml = nn.ModuleList([nn.ReLU(), nn.Tanh()])
        ml.append(nn.Sigmoid())
        ml.extend([nn.Identity()])
        ml.insert(1, nn.Linear(1, 1))
        ml += [nn.ReLU()]
        out = [len(ml), repr(ml[-1]), repr(ml[1:3]), repr(ml + nn.ModuleList([nn.Tanh()]))]
        out.append(repr(ml.pop(0)))
        del ml[0]
        ml[0] = nn.ReLU()
        out.append(repr(ml))
        out.append([n for n, _ in ml.named_parameters()])
        return out

    assert ops(enn) == ops(torch.nn)


def test_modulelist_errors_match_torch(torch):
    def cases(nn):
        ml = nn.ModuleList([nn.ReLU()])
        return [lambda: ml[3], lambda: ml.extend(3), lambda: ml.append(3), lambda: ml(1)]

    for e, t in zip(cases(enn), cases(torch.nn)):
        assert _err(e) == _err(t)


def test_modulelist_registers_parameters():
    ml = enn.ModuleList([enn.Linear(2, 2) for _ in range(3)])
    assert len(list(ml.parameters())) == 6
    assert list(ml.state_dict())[:2] == ["0.weight", "0.bias"]


# ---------------------------------------------------------------------------------------------- ModuleDict
def test_moduledict_behaviour_matches_torch(torch):
    def ops(nn):
        md = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(1, 2)})
        md["c"] = nn.Tanh()
        md.update([("d", nn.Identity())])
        md.update(OrderedDict([("e", nn.ReLU())]))
        out = [list(md.keys()), len(md), "a" in md, repr(md), [type(v).__name__ for v in md.values()]]
        out.append(repr(md.pop("b")))
        del md["c"]
        out.append(list(md))
        out.append(list(md.state_dict()))
        md.clear()
        out.append(len(md))
        return out

    assert [str(v) for v in ops(enn)] == [str(v).replace("torch.", "ember.") for v in ops(torch.nn)]


def test_moduledict_errors_match_torch(torch):
    def cases(nn):
        md = nn.ModuleDict({"a": nn.ReLU()})
        return [lambda: md["b"], lambda: md.update(3), lambda: md.update([(1,)]),
                lambda: md.update([("b", nn.Tanh(), 3)]), lambda: nn.ModuleDict({"a": 3})]

    for e, t in zip(cases(enn), cases(torch.nn)):
        assert _err(e) == _err(t)


# ---------------------------------------------------------------------------------------------- ParameterList / Dict
def test_parameterlist_matches_torch(torch):
    def build(nn, lib):
        pl = nn.ParameterList([nn.Parameter(lib.zeros(2, 3)), lib.zeros(2, dtype=lib.float64)])
        pl.append(lib.ones(1))
        pl.extend([3])
        return pl

    t_pl, e_pl = build(torch.nn, torch), build(enn, ember)
    _same_repr(e_pl, t_pl)
    _same_repr(enn.ParameterList([ember.zeros(2)]), torch.nn.ParameterList([torch.zeros(2)]))
    _same_repr(enn.ParameterList(), torch.nn.ParameterList())
    assert len(e_pl) == len(t_pl) == 4
    assert isinstance(e_pl[1], enn.Parameter) and e_pl[1].requires_grad
    assert list(e_pl.state_dict()) == list(t_pl.state_dict())
    assert [n for n, _ in e_pl.named_parameters()] == ["0", "1", "2"]
    _same_repr(e_pl[0:2], t_pl[0:2])
    assert _err(lambda: e_pl[7]) == _err(lambda: t_pl[7])
    assert _err(lambda: e_pl(1)) == _err(lambda: t_pl(1))
    assert _err(lambda: e_pl.extend(ember.zeros(2))) == _err(lambda: t_pl.extend(torch.zeros(2)))


def test_parameterdict_matches_torch(torch):
    def build(nn, lib):
        pd = nn.ParameterDict({"b": lib.zeros(2), "a": nn.Parameter(lib.zeros(2, 3))})
        pd.update({"d": lib.zeros(1), "c": lib.zeros(1)})
        pd["e"] = 5
        return pd

    t_pd, e_pd = build(torch.nn, torch), build(enn, ember)
    _same_repr(e_pd, t_pd)
    assert list(e_pd.keys()) == list(t_pd.keys())
    assert list(e_pd.state_dict()) == list(t_pd.state_dict())
    assert isinstance(e_pd["b"], enn.Parameter) and e_pd.b is e_pd["b"]
    assert e_pd.popitem()[0] == t_pd.popitem()[0]
    assert e_pd.pop("a").shape == (2, 3)
    assert "a" not in e_pd and e_pd.get("a") is None
    assert list(e_pd.copy().keys()) == list(e_pd.keys())
    merged = e_pd | enn.ParameterDict({"z": ember.ones(1)})
    assert list(merged.keys())[-1] == "z"
    assert _err(lambda: e_pd["nope"]) == _err(lambda: t_pd["nope"])
    assert _err(lambda: e_pd[3]) == _err(lambda: t_pd[3])
    assert _err(lambda: e_pd(1)) == _err(lambda: t_pd(1))


def test_list_get_abs_string_index_matches_torch(torch):
    # PyTorch's private helper, called by ModuleList / ParameterList subclasses
    t_lists = [torch.nn.ModuleList([torch.nn.ReLU(), torch.nn.Tanh()]),
               torch.nn.ParameterList([torch.nn.Parameter(torch.ones(1)), torch.nn.Parameter(torch.ones(2))])]
    e_lists = [enn.ModuleList([enn.ReLU(), enn.Tanh()]),
               enn.ParameterList([enn.Parameter(ember.ones(1)), enn.Parameter(ember.ones(2))])]

    def outcome(f, idx):
        try:
            return f(idx)
        except Exception as e:  # noqa: BLE001 - the type and message are compared
            return type(e).__name__, str(e)

    for t_l, e_l in zip(t_lists, e_lists):
        for idx in (0, 1, -1, -2, 2, -3, np.int64(1), 1.0):
            assert outcome(e_l._get_abs_string_index, idx) == outcome(t_l._get_abs_string_index, idx)
