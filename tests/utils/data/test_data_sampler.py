"""Samplers' random streams and errors, side by side with torch.utils.data.sampler."""

import pytest

import ember
from ember.utils import data as ed


def _err(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


@pytest.mark.parametrize("num_samples", [None, 20, 5, 13])
def test_random_sampler_epochs_follow_torchs_generator(torch, num_samples):
    # Without replacement PyTorch draws one more permutation at the end of each epoch, even when num_samples is
    # a multiple of len(data) (it yields none of it): later epochs depend on it.
    tu = torch.utils.data
    e, t = ember.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    ours = ed.RandomSampler(range(10), num_samples=num_samples, generator=e)
    theirs = tu.RandomSampler(range(10), num_samples=num_samples, generator=t)
    for _ in range(3):
        assert list(ours) == list(theirs)
    ob, tb = ed.BatchSampler(ours, 3, False), tu.BatchSampler(theirs, 3, False)
    for _ in range(2):
        assert list(ob) == list(tb)
    # the extra draw happens at the end of the epoch, not before
    it_o, it_t = iter(ours), iter(theirs)
    next(it_o), next(it_t)
    assert e.get_state().tolist() == t.get_state().tolist()


def test_weighted_sampler_zero_weights_without_replacement(torch):
    tu = torch.utils.data
    for w, n in [([0.0, 0.5, 0.4], 3), ([0.0, 0.0, 1.0], 2), ([0.0, 1.0, 1.0, 0.0], 4)]:
        ours = list(ed.WeightedRandomSampler(w, n, replacement=False, generator=ember.Generator().manual_seed(1)))
        theirs = list(tu.WeightedRandomSampler(w, n, replacement=False, generator=torch.Generator().manual_seed(1)))
        assert ours == theirs


@pytest.mark.parametrize("w", [[float("inf"), 1.0], [float("nan"), 1.0], [-1.0, float("inf")], [1.0, float("nan"),
                                                                                                  float("inf")],
                               [0.0, 0.0], [-1.0, 1.0], []])
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("replacement", [True, False])
def test_weighted_sampler_errors_match_torch(torch, w, n, replacement):
    def run(mod):
        s = mod.utils.data.WeightedRandomSampler(w, n, replacement=replacement)
        try:
            return list(s)
        except RuntimeError as exc:
            return str(exc)

    ours, theirs = run(ember), run(torch)
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs)
    else:
        assert ours == theirs


def test_sampler_base_takes_no_arguments(torch):
    assert _err(lambda: ed.Sampler(None)) == _err(lambda: torch.utils.data.Sampler(None))
    assert _err(lambda: iter(ed.Sampler()))[0] is _err(lambda: iter(torch.utils.data.Sampler()))[0]
