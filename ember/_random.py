"""Random number generation: ``ember.Generator`` and the global default generator.

ember draws from NumPy's PCG64 (streams differ from PyTorch's Mersenne Twister; seeding works the same
way: the same seed gives the same numbers in ember).
"""

import json

from ember._backend import xp


class Generator:
    """A source of random numbers; ``ember.manual_seed`` reseeds the default one.

    Example::

        >>> g = ember.Generator().manual_seed(0)
        >>> ember.randn(3, generator=g)
    """

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = 67280421310721  # PyTorch's default seed
        self._rng = xp.random.Generator(xp.random.PCG64(self._seed))

    def manual_seed(self, seed):
        """Reseed; returns the generator."""
        seed = int(seed)
        if seed < 0:
            seed &= 0xFFFF_FFFF_FFFF_FFFF
        self._seed = seed
        self._rng = xp.random.Generator(xp.random.PCG64(seed))
        return self

    def seed(self):
        """Reseed from a non-deterministic source; returns the new seed."""
        import secrets
        s = secrets.randbits(63)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The generator state as a uint8 tensor (restore it with ``set_state``)."""
        from ember._tensor import wrap
        state = {"seed": self._seed, "bit_generator": self._rng.bit_generator.state}
        raw = json.dumps(state, default=int).encode()
        return wrap(xp.frombuffer(raw, dtype=xp.uint8).copy())

    def set_state(self, new_state):
        from ember._backend import to_numpy
        raw = bytes(to_numpy(new_state._data).astype("uint8").tobytes())
        try:
            state = json.loads(raw.decode())
            bg = xp.random.PCG64()
            bg.state = state["bit_generator"]
        except (ValueError, KeyError, TypeError) as exc:
            raise RuntimeError("Invalid generator state: it was not produced by ember's get_state()") from exc
        self._seed = state["seed"]
        self._rng = xp.random.Generator(bg)
        return self

    def __repr__(self):
        return f"<ember._C.Generator object at {hex(id(self))}>"


default_generator = Generator()


def rng(generator=None):
    """The NumPy generator to draw from (the default one unless ``generator`` is given)."""
    return (generator or default_generator)._rng


def manual_seed(seed):
    """Seed the default generator (and NumPy's legacy global one); returns the generator."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)
