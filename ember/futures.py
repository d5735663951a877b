"""``ember.futures`` (as ``torch.futures``): the :class:`Future` that ``ember.jit.fork`` returns, and helpers to
wait on several.

Example::

    >>> from ember.futures import Future, collect_all, wait_all
    >>> a, b = Future(), Future()
    >>> both = collect_all([a, b])
    >>> a.set_result(1); b.set_result(2)
    >>> wait_all([a, b])
    [1, 2]
"""

import threading

from ember.jit import Future

__all__ = ["Future", "collect_all", "wait_all"]


def collect_all(futures):
    """A future that completes, with the list ``futures`` itself, once every future in it has completed (an
    error in one of them is raised again by the collected future's ``wait``).

    Args:
        futures: a list of :class:`Future`.

    Example::

        >>> f = Future(); done = collect_all([f]); f.set_result(3)
        >>> [x.value() for x in done.wait()]
        [3]
    """
    futures = list(futures)
    for f in futures:
        if not isinstance(f, Future):
            raise TypeError("collect_all(): incompatible function arguments: expected a list of Futures, got "
                            f"{type(f).__name__}")
    result = Future()
    remaining = [len(futures)]
    lock = threading.Lock()

    def one_done(fut):
        with lock:
            remaining[0] -= 1
            last = remaining[0] == 0
        if last:
            failed = next((f for f in futures if f._exception is not None), None)
            if failed is not None:
                result.set_exception(failed._exception)
            else:
                result.set_result(futures)

    if not futures:
        result.set_result([])
    for f in futures:
        f._add_callback(one_done)
    return result


def wait_all(futures):
    """Wait for every future in ``futures`` and return their values in order (the first error is raised).

    Example::

        >>> f = Future(); f.set_result("x")
        >>> wait_all([f])
        ['x']
    """
    return [f.wait() for f in collect_all(futures).wait()]
