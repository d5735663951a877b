"""``ember.nn.modules.utils`` against ``torch.nn.modules.utils``: the tuple helpers and
``consume_prefix_in_state_dict_if_present`` (keys, order and ``_metadata``)."""

import collections

import pytest

import ember

torch = pytest.importorskip("torch")


def _mods():
    import ember.nn.modules.utils as eu
    return eu, torch.nn.modules.utils


@pytest.mark.parametrize("name", ["_single", "_pair", "_triple", "_quadruple"])
@pytest.mark.parametrize("value", [3, 2.5, (1, 2), [4, 5, 6], "ab", None])
def test_tuples(name, value):
    eu, tu = _mods()
    assert getattr(eu, name)(value) == getattr(tu, name)(value)
    assert getattr(eu, name).__name__ == getattr(tu, name).__name__


def test_ntuple_and_reverse_repeat():
    eu, tu = _mods()
    assert eu._ntuple(5, "x")(1) == tu._ntuple(5, "x")(1)
    assert eu._ntuple(5, "x").__name__ == tu._ntuple(5, "x").__name__
    assert eu._ntuple(2)(iter([7, 8])) == tu._ntuple(2)(iter([7, 8]))
    for t, n in [((1, 2, 3), 2), ((4,), 3), ((), 2), ((1, 2), 1)]:
        assert eu._reverse_repeat_tuple(t, n) == tu._reverse_repeat_tuple(t, n)


def test_list_with_default():
    eu, tu = _mods()
    for out, d in [(3, (1, 2, 5, 6)), ((3, None), (1, 2, 5, 6)), ([None, None, 2], (1, 2, 5, 6))]:
        assert eu._list_with_default(out, d) == tu._list_with_default(out, d)
    with pytest.raises(ValueError, match="at least 6"):
        eu._list_with_default((3, None, 4, 5, 6), (1, 2, 5, 6))


@pytest.mark.parametrize("prefix", ["module.", "module", "other."])
def test_consume_prefix(prefix):
    eu, tu = _mods()
    res = []
    for fn in (eu.consume_prefix_in_state_dict_if_present, tu.consume_prefix_in_state_dict_if_present):
        sd = collections.OrderedDict([("module.a", 1), ("x", 0), ("module.b.c", 2), ("modulex", 3)])
        sd._metadata = collections.OrderedDict(
            [("", {"v": 0}), ("module", {"v": 1}), ("module.b", {"v": 2}), ("modulex", {"v": 3})])
        assert fn(sd, prefix) is None
        res.append((list(sd.items()), list(sd._metadata.items())))
    assert res[0] == res[1]


def test_consume_prefix_real_model():
    # a DataParallel-style checkpoint loads into the bare model once the prefix is gone
    from ember.nn.modules.utils import consume_prefix_in_state_dict_if_present
    model = ember.nn.Sequential(ember.nn.Linear(2, 3), ember.nn.BatchNorm1d(3))
    wrapped = ember.nn.Sequential()
    wrapped.add_module("module", model)
    sd = wrapped.state_dict()
    consume_prefix_in_state_dict_if_present(sd, "module.")
    assert list(sd) == list(model.state_dict())
    assert "" in sd._metadata and "0" in sd._metadata
    model.load_state_dict(sd)


def test_reachable_as_attribute():
    import ember.nn.modules.module  # noqa: F401 - loaded by `import ember.nn`
    assert ember.nn.modules.utils._pair(1) == (1, 1)
