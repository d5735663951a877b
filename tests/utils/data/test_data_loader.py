"""DataLoader in the main process, side by side with PyTorch's."""

import numpy as np
import pytest

import ember
from ember.utils import data as ed


def _loaders(torch, n=10, **kw):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    ours = ed.DataLoader(ed.TensorDataset(ember.from_numpy(x), ember.from_numpy(y)), **kw)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), **kw)
    return ours, theirs


@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (9, 3, False), (9, 3, True), (2, 5, False),
                                       (2, 5, True), (7, 1, False)])
def test_batches_match_torch(torch, norm, n, bs, drop):
    ours, theirs = _loaders(torch, n, batch_size=bs, drop_last=drop)
    assert len(ours) == len(theirs)
    assert [norm(b) for b in ours] == [norm(b) for b in theirs]


def test_batch_size_none_and_map_dataset(torch, norm):
    ours = ed.DataLoader(list(range(4)), batch_size=None)
    theirs = torch.utils.data.DataLoader(list(range(4)), batch_size=None)
    assert len(ours) == len(theirs) == 4
    assert [norm(b) for b in ours] == [norm(b) for b in theirs]
    ours = ed.DataLoader([np.arange(2), np.arange(2) + 1], batch_size=None)
    assert [b.tolist() for b in ours] == [[0, 1], [1, 2]]


class DictDataset(ed.Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.full((2,), i, dtype=np.float32), "y": i, "w": float(i) / 2, "name": f"s{i}"}


class TorchDictDataset:
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.full((2,), i, dtype=np.float32), "y": i, "w": float(i) / 2, "name": f"s{i}"}


def test_dict_batches_and_dtypes_match_torch(torch, norm):
    ours = list(ed.DataLoader(DictDataset(), batch_size=2))
    theirs = list(torch.utils.data.DataLoader(TorchDictDataset(), batch_size=2))
    assert [norm(b) for b in ours] == [norm(b) for b in theirs]
    assert ours[0]["y"].dtype == ember.int64 and ours[0]["w"].dtype == ember.float64
    assert ours[0]["x"].dtype == ember.float32 and ours[0]["name"] == ["s0", "s1"]


def test_fast_path_equals_per_sample_path():
    x = ember.randn(23, 4)
    y = ember.arange(23)
    ds = ed.TensorDataset(x, y)
    fast = list(ed.DataLoader(ds, batch_size=5, shuffle=True, generator=ember.Generator().manual_seed(0)))
    slow = list(ed.DataLoader(ds, batch_size=5, shuffle=True, generator=ember.Generator().manual_seed(0),
                              collate_fn=lambda b: ed.default_collate(b)))
    assert len(fast) == len(slow) == 5
    for (a, b), (c, d) in zip(fast, slow):
        assert a.dtype == c.dtype and b.dtype == d.dtype and type(a) is type(c)
        np.testing.assert_array_equal(a.numpy(), c.numpy())
        np.testing.assert_array_equal(b.numpy(), d.numpy())


def test_tensor_dataset_is_batched_by_indexing(monkeypatch):
    calls = []

    class Logged(ed.TensorDataset):
        def __getitem__(self, i):
            calls.append(i)
            return super().__getitem__(i)

    # A subclass that overrides __getitem__ is honoured: per-sample path.
    assert [b[0].tolist() for b in ed.DataLoader(Logged(ember.arange(10)), batch_size=4)][-1] == [8, 9]
    assert calls == list(range(10))

    ds = ed.TensorDataset(ember.arange(10))

    def boom(self, i):
        raise AssertionError("per-sample path used")
    monkeypatch.setattr(ember.Tensor, "__getitem__", boom)
    out = list(ed.DataLoader(ds, batch_size=4))
    monkeypatch.undo()
    assert [b[0].tolist() for b in out] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_subset_of_tensor_dataset_fast_path():
    ds = ed.TensorDataset(ember.arange(10) * 10)
    sub = ed.Subset(ds, [9, 1, 4])
    assert [b[0].tolist() for b in ed.DataLoader(sub, batch_size=2)] == [[90, 10], [40]]


def test_seeded_shuffle_is_a_repeatable_permutation():
    ds = ed.TensorDataset(ember.arange(50))

    def epoch(loader):
        return np.concatenate([b[0].numpy() for b in loader]).tolist()

    g = ember.Generator().manual_seed(7)
    loader = ed.DataLoader(ds, batch_size=8, shuffle=True, generator=g)
    e1, e2 = epoch(loader), epoch(loader)
    assert sorted(e1) == list(range(50)) and sorted(e2) == list(range(50))
    assert e1 != e2 and e1 != list(range(50))
    again = epoch(ed.DataLoader(ds, batch_size=8, shuffle=True, generator=ember.Generator().manual_seed(7)))
    assert again == e1
    ember.manual_seed(3)
    a = epoch(ed.DataLoader(ds, batch_size=8, shuffle=True))
    ember.manual_seed(3)
    assert epoch(ed.DataLoader(ds, batch_size=8, shuffle=True)) == a


def test_sampler_and_batch_sampler_options(torch, norm):
    ours = list(ed.DataLoader(ed.TensorDataset(ember.arange(6)), sampler=[5, 3, 1], batch_size=2))
    assert [b[0].tolist() for b in ours] == [[5, 3], [1]]
    loader = ed.DataLoader(ed.TensorDataset(ember.arange(6)), batch_sampler=[[0, 1, 2], [5]])
    assert [b[0].tolist() for b in loader] == [[0, 1, 2], [5]] and len(loader) == 2
    custom = ed.DataLoader(list(range(5)), batch_size=2, collate_fn=lambda b: sum(b))
    assert list(custom) == [1, 5, 4]


class _Stream(ed.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


class _TorchStream:
    pass


def test_iterable_dataset_matches_torch(torch, norm):
    class TStream(torch.utils.data.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n

    for bs, drop in [(3, False), (3, True), (None, False), (1, False)]:
        ours = ed.DataLoader(_Stream(7), batch_size=bs, drop_last=drop)
        theirs = torch.utils.data.DataLoader(TStream(7), batch_size=bs, drop_last=drop)
        assert [norm(b) for b in ours] == [norm(b) for b in theirs]
        assert len(ours) == len(theirs)


@pytest.mark.parametrize("kw", [
    dict(sampler=[0, 1], shuffle=True),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(prefetch_factor=2),
    dict(persistent_workers=True),
    dict(num_workers=2, prefetch_factor=-1),
    dict(batch_size=0),
    dict(batch_size=2.0),
], ids=lambda kw: ",".join(kw))
def test_option_errors_match_torch(torch, norm, kw):
    with pytest.raises(Exception) as ours:
        ed.DataLoader(list(range(3)), **kw)
    with pytest.raises(Exception) as theirs:
        torch.utils.data.DataLoader(list(range(3)), **kw)
    assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))


@pytest.mark.parametrize("kw", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])],
                         ids=["shuffle", "sampler", "batch_sampler"])
def test_iterable_option_errors_match_torch(torch, norm, kw):
    class TStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    with pytest.raises(ValueError) as ours:
        ed.DataLoader(_Stream(3), **kw)
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(TStream(), **kw)
    assert str(ours.value) == str(theirs.value)


def test_pin_memory_accepted_with_torchs_warning(torch, norm):
    loader = ed.DataLoader(ed.TensorDataset(ember.arange(4)), batch_size=2, pin_memory=True)
    assert loader.pin_memory is True
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator is found"):
        batches = [b[0].tolist() for b in loader]
    assert batches == [[0, 1], [2, 3]]


def test_get_worker_info_is_none_in_main_process():
    assert ed.get_worker_info() is None


def _iterator_facts(lib, num_workers):
    ds = lib.utils.data.TensorDataset(lib.arange(10.0))
    it = iter(lib.utils.data.DataLoader(ds, batch_size=3, num_workers=num_workers))
    facts = [type(it).__name__, type(it).__module__.split(".", 1)[1], [c.__name__ for c in type(it).__mro__],
             len(it), it._num_yielded, type(it._index_sampler).__name__, iter(it) is it]
    first = next(it)
    facts += [first[0].tolist(), it._num_yielded, it._dataset is ds, it._auto_collation, it._drop_last,
              it._num_workers, it._pin_memory, it._persistent_workers, it._dataset_kind, it._profile_name,
              hasattr(it, "_prefetch_factor")]
    facts.append(_err(lambda: __import__("pickle").dumps(it)))
    facts.append([b[0].tolist() for b in it])
    return facts


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type and text are compared
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("num_workers", [0, 1])
def test_iterator_class_and_attributes_match_torch(torch, num_workers):
    assert _iterator_facts(ember, num_workers) == _iterator_facts(torch, num_workers)


def test_iterator_classes_are_importable_from_dataloader_module():
    from ember.utils.data import dataloader

    assert issubclass(dataloader._SingleProcessDataLoaderIter, dataloader._BaseDataLoaderIter)
    assert issubclass(dataloader._MultiProcessingDataLoaderIter, dataloader._BaseDataLoaderIter)
    assert (dataloader._DatasetKind.Map, dataloader._DatasetKind.Iterable) == (0, 1)


def test_iterable_dataset_iterator_len_raises_like_torch(torch):
    def run(lib):
        class It(lib.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(5))

        it = iter(lib.utils.data.DataLoader(It(), batch_size=2))
        return type(it).__name__, [b.tolist() for b in it], it._num_yielded, _err(lambda: len(it))

    assert run(ember) == run(torch)


@pytest.mark.parametrize("attr", ["batch_size", "sampler", "batch_sampler", "drop_last", "dataset",
                                  "persistent_workers", "shuffle", "num_workers", "timeout", "collate_fn"])
def test_frozen_attributes_after_init(torch, attr):
    def run(lib):
        ds = lib.utils.data.TensorDataset(lib.arange(4.0))
        loader = lib.utils.data.DataLoader(ds, batch_size=2)
        return _err(lambda: setattr(loader, attr, getattr(loader, attr, None)))

    assert run(ember) == run(torch)


@pytest.mark.parametrize("kwargs", [dict(multiprocessing_context="spawn"),
                                    dict(multiprocessing_context="bogus", num_workers=1),
                                    dict(multiprocessing_context=3, num_workers=1),
                                    dict(multiprocessing_context="fork", num_workers=1)])
def test_multiprocessing_context_validation(torch, kwargs):
    def run(lib):
        ds = lib.utils.data.TensorDataset(lib.arange(4.0))
        try:
            return type(lib.utils.data.DataLoader(ds, **kwargs).multiprocessing_context).__name__
        except (TypeError, ValueError) as e:
            return type(e).__name__, str(e)

    assert run(ember) == run(torch)


def test_too_many_workers_warns_like_torch(torch):
    import os
    import warnings
    n = len(os.sched_getaffinity(0)) + 1 if hasattr(os, "sched_getaffinity") else os.cpu_count() + 1

    def run(lib):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            lib.utils.data.DataLoader(list(range(4)), num_workers=n).check_worker_number_rationality()  # (public)
        return [str(w.message) for w in rec]
    ours = run(ember)
    assert ours == run(torch)
    assert len(ours) == 2 and ours[0] == ours[1]
    assert ours[0].startswith(f"This DataLoader will create {n} worker processes in total.")


@pytest.mark.parametrize("num_samples", [None, 20, 7])
def test_shuffle_with_generator_over_epochs_matches_torch(torch, norm, num_samples):
    # PyTorch's RandomSampler draws a last (unused) permutation when num_samples is a multiple of len(data):
    # epochs after the first depend on it.
    tu = torch.utils.data
    e, t = ember.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    ds_o, ds_t = ed.TensorDataset(ember.arange(10)), tu.TensorDataset(torch.arange(10))
    if num_samples is None:
        ours = ed.DataLoader(ds_o, batch_size=4, shuffle=True, generator=e)
        theirs = tu.DataLoader(ds_t, batch_size=4, shuffle=True, generator=t)
    else:
        ours = ed.DataLoader(ds_o, batch_size=4, sampler=ed.RandomSampler(ds_o, num_samples=num_samples, generator=e),
                             generator=e)
        theirs = tu.DataLoader(ds_t, batch_size=4, sampler=tu.RandomSampler(ds_t, num_samples=num_samples,
                                                                            generator=t), generator=t)
    for _ in range(3):
        assert [norm(b) for b in ours] == [norm(b) for b in theirs]


def test_prefetch_factor_zero_with_workers_raises_like_torch(torch):
    errs = []
    for mod in (ed, torch.utils.data):
        loader = mod.DataLoader(list(range(4)), batch_size=2, num_workers=1, prefetch_factor=0)
        with pytest.raises(Exception) as info:
            iter(loader)
        errs.append((type(info.value), str(info.value)))
    assert errs[0] == errs[1] == (AssertionError, "prefetch_factor must be greater than 0 for "
                                                  "MultiProcessingDataLoaderIter")


@pytest.mark.parametrize("num_workers,bs,call_len", [(0, 2, True), (0, None, True), (0, 2, False), (2, 2, True)])
def test_iterable_dataset_wrong_len_warns_like_torch(torch, num_workers, bs, call_len):
    import warnings

    def run(mod):
        class WithLen(mod.utils.data.IterableDataset):
            def __len__(self):
                return 3

            def __iter__(self):
                return iter(range(7))

            def __repr__(self):
                return "WithLen"

        loader = mod.utils.data.DataLoader(WithLen(), batch_size=bs, num_workers=num_workers)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if call_len:
                len(loader)
            out = [b.tolist() if hasattr(b, "tolist") else b for b in loader]
        return out, [str(w.message) for w in caught if "IterableDataset" in str(w.message)]

    ours, theirs = run(ember), run(torch)
    assert ours == theirs
    assert bool(ours[1]) == call_len
