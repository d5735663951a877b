"""ember.futures side by side with torch.futures."""

import pytest

import ember


def _run(lib):
    fut = lib.futures
    a, b = fut.Future(), fut.Future()
    both = fut.collect_all([a, b])
    states = [both.done()]
    a.set_result(1)
    states.append(both.done())
    b.set_result(2)
    states.append(both.done())
    values = [f.value() for f in both.wait()]
    bad = fut.Future()
    bad.set_exception(ValueError("boom"))
    collected = fut.collect_all([a, bad])
    with pytest.raises(ValueError, match="boom"):
        collected.wait()
    with pytest.raises(ValueError, match="boom"):
        fut.wait_all([a, bad])
    return states, values, fut.wait_all([a, b]), fut.collect_all([]).wait(), collected.done()


def test_collect_all_and_wait_all_match_torch(torch):
    assert _run(ember) == _run(torch)
    assert ember.futures.Future is ember.jit.Future and sorted(ember.futures.__all__) == sorted(torch.futures.__all__)
    with pytest.raises(TypeError):
        ember.futures.collect_all([1])


def test_wait_all_across_threads():
    import threading

    f = ember.futures.Future()
    threading.Timer(0.01, f.set_result, args=(5,)).start()
    assert ember.futures.wait_all([f]) == [5]
