"""default_collate / default_convert against PyTorch's."""

import collections

import numpy as np
import pytest

import ember
from ember.utils.data import default_collate, default_convert

Point = collections.namedtuple("Point", ["x", "y"])


def to_torch(torch, obj):
    if isinstance(obj, ember.Tensor):
        return torch.from_numpy(obj.numpy().copy())
    if isinstance(obj, dict):
        return {k: to_torch(torch, v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(to_torch(torch, v) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_torch(torch, v) for v in obj)
    return obj


BATCHES = [
    [1, 2, 3],
    [1.5, 2.5],
    [True, False],
    ["a", "bc"],
    [b"x", b"y"],
    [(1, "a"), (2, "b")],
    [[1, 2.0], [3, 4.0]],
    [{"a": 1, "b": [1.0, 2.0]}, {"a": 2, "b": [3.0, 4.0]}],
    [Point(1, 2.0), Point(3, 4.0)],
    [np.float64(1), np.float64(2)],
    [np.int32(1), np.int32(2)],
    [np.array(1), np.array(2)],
    [np.zeros((2, 3), dtype=np.float32), np.ones((2, 3), dtype=np.float32)],
    [np.arange(3, dtype=np.uint8), np.arange(3, dtype=np.uint8)],
    [ember.tensor([1, 2]), ember.tensor([3, 4])],
    [ember.tensor(1.5), ember.tensor(2.5)],
    [(ember.zeros(2, 2), 3), (ember.ones(2, 2), 4)],
    [{"img": ember.zeros(1, 2, 2), "label": 1, "name": "a"}, {"img": ember.ones(1, 2, 2), "label": 0, "name": "b"}],
    # ints first: tensor(batch) semantics (floats mixed in give float32, bools alone bool)
    [0, 0.5, 1],
    [True, 1],
    [1, True],
    [1, 2.5, True],
    [0.5, True],
    [np.int32(1), 2],
]


@pytest.mark.parametrize("batch", BATCHES, ids=range(len(BATCHES)))
def test_default_collate_matches_torch(torch, norm, batch):
    from torch.utils.data import default_collate as t_collate
    assert norm(default_collate(batch)) == norm(t_collate(to_torch(torch, batch)))


def test_ints_become_int64():
    out = default_collate([1, 2])
    assert out.dtype == ember.int64
    assert default_collate([1.0, 2.0]).dtype == ember.float64


@pytest.mark.parametrize("batch", [[[1, 2], [3]], [object(), object()], [np.array(["a"]), np.array(["b"])],
                                   [ember.zeros(2), ember.zeros(3)],
                                   [np.datetime64("2020-01-01"), np.datetime64("2021-01-01")],
                                   [1, "a"], [1, None], [1, 2**70], [np.array(["2020"], "M8[D]")] * 2],
                         ids=["ragged", "object", "str-array", "shapes", "datetime", "int-str", "int-none", "int-big",
                              "datetime-array"])
def test_default_collate_errors_match_torch(torch, batch):
    from torch.utils.data import default_collate as t_collate
    with pytest.raises(Exception) as ours:
        default_collate(batch)
    with pytest.raises(Exception) as theirs:
        t_collate(to_torch(torch, batch))
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value).replace("ember", "torch") == str(theirs.value)


@pytest.mark.parametrize("data", [np.arange(3), np.float32(2.0), (np.arange(2), "s"), {"a": np.ones(2)}, "text",
                                  3, Point(np.arange(2), 1)], ids=range(7))
def test_default_convert_matches_torch(torch, norm, data):
    from torch.utils.data import default_convert as t_convert
    assert norm(default_convert(data)) == norm(t_convert(data))


def test_collate_extension_api_matches_torch(torch, norm):
    from torch.utils.data._utils import collate as tc

    from ember.utils.data._utils import collate as ec

    names = ["collate", "collate_tensor_fn", "collate_numpy_array_fn", "collate_numpy_scalar_fn", "collate_float_fn",
             "collate_int_fn", "collate_str_fn", "default_collate", "default_convert"]
    for name in names:
        assert callable(getattr(ec, name)), name
    assert ec.default_collate_err_msg_format == tc.default_collate_err_msg_format
    assert ec.np_str_obj_array_pattern.pattern == tc.np_str_obj_array_pattern.pattern
    assert [k.__name__ if isinstance(k, type) else len(k) for k in ec.default_collate_fn_map] == \
        [k.__name__ if isinstance(k, type) else len(k) for k in tc.default_collate_fn_map]

    class Custom:
        def __init__(self, v):
            self.v = v

    def collate_custom(batch, *, collate_fn_map=None):
        return sum(c.v for c in batch)

    def collate_str(batch, *, collate_fn_map=None):
        return "|".join(batch)

    batch = [(Custom(1), "a", 1.5, {"k": 2}), (Custom(2), "b", 2.5, {"k": 3})]
    for mod in (ec, tc):
        fmap = {**mod.default_collate_fn_map, Custom: collate_custom, str: collate_str}
        mod.out = mod.collate(batch, collate_fn_map=fmap)
    assert norm(ec.out) == norm(tc.out) == ("list", [3, "a|b", ("T", "float64", (2,), [1.5, 2.5]), ("dict", {
        "k": ("T", "int64", (2,), [2, 3])})])
    # no map: only the containers are understood
    for mod in (ec, tc):
        with pytest.raises(TypeError) as info:
            mod.collate([1, 2])
        mod.err = str(info.value)
    assert ec.err == tc.err
    # default_collate consults default_collate_fn_map (extending it is PyTorch's documented way)
    for mod in (ec, tc):
        mod.default_collate_fn_map[Custom] = collate_custom
        try:
            mod.out = mod.default_collate([Custom(4), Custom(5)])
        finally:
            del mod.default_collate_fn_map[Custom]
    assert ec.out == tc.out == 9
    assert ember.utils.data.default_collate is ec.default_collate
