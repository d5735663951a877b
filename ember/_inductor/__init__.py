"""``ember._inductor``: the settings module of PyTorch's compiler, for scripts that tune it.

ember compiles nothing (``ember.compile`` runs models eagerly), so :mod:`ember._inductor.config` only stores what
is set: ``ember._inductor.config.coordinate_descent_tuning = True`` works and changes nothing.
"""

from ember._inductor import config  # noqa: F401
