"""Random number generation: ``ember.Generator`` and the global default generator.

Every generator is a 32-bit Mersenne Twister (mt19937) seeded as PyTorch's CPU generator is (the standard
``init_genrand`` of the seed's low 32 bits; default seed 67280421310721), and ember's random functions turn
its output into numbers as PyTorch's CPU kernels do (see ``ember/_random_kernels.py``). So after
``ember.manual_seed(s)`` a script draws the same values as after ``torch.manual_seed(s)``: initial weights,
``randperm`` shuffles, DataLoader orders, dropout masks. The state has PyTorch's 5056-byte layout, so
``torch.get_rng_state()`` can be loaded with ``ember.set_rng_state`` and the other way round.

The engine is NumPy's ``MT19937`` bit generator. ``rng(generator)`` gives a ``numpy.random.Generator`` over
it, for the few distributions ember samples in its own way (they advance the same stream).
"""

from ember._backend import xp

DEFAULT_SEED = 67280421310721  # PyTorch's default CPU seed
_N = 624  # mt19937 state words
_STATE_BYTES = 5056
# PyTorch's CPU generator state: seed u64 | left i32 | seeded i32 | next u64 | 624 x u64 words |
# normal_x f64 | cached double normal f64 | normal_rho f64 | cache valid i32 | pad | cached float normal f32 |
# its valid flag u8 | pad
_OFF_WORDS, _OFF_NORMAL, _OFF_NORMAL_OK, _OFF_FLOAT, _OFF_FLOAT_OK = 24, 5024, 5040, 5048, 5052


def _new_bit_generator():
    """An unseeded-in-effect MT19937 (callers seed it), made without NumPy's costly SeedSequence hashing."""
    try:
        from numpy.random.bit_generator import ISeedSequence

        class _Blank(ISeedSequence):
            def generate_state(self, n_words, dtype=xp.uint32):
                return xp.ones(n_words, dtype=dtype)

        blank = _Blank()
    except ImportError:  # pragma: no cover - other NumPy layouts
        blank = 0
    globals()["_new_bit_generator"] = lambda: xp.random.MT19937(blank)
    return xp.random.MT19937(blank)


def _init_genrand(bit_generator, seed32):
    """Seed ``bit_generator`` with mt19937's standard ``init_genrand(seed32)``."""
    if hasattr(bit_generator, "_legacy_seeding"):
        bit_generator._legacy_seeding(seed32)
        return
    key = [seed32]  # pragma: no cover - the same recurrence in Python
    for i in range(1, _N):
        key.append((1812433253 * (key[-1] ^ (key[-1] >> 30)) + i) & 0xFFFF_FFFF)
    bit_generator.state = {"bit_generator": "MT19937", "state": {"key": xp.array(key, xp.uint32), "pos": _N}}


class Generator:
    """A source of random numbers (a Mersenne Twister, as PyTorch's CPU generator); ``ember.manual_seed``
    reseeds the default one.

    Args:
        device: ``"cpu"`` (the only device).

    Example::

        >>> g = ember.Generator().manual_seed(0)
        >>> ember.rand(2, generator=g)  # the same numbers as torch.rand(2, generator=torch.Generator().manual_seed(0))
        tensor([0.4963, 0.7682])
    """

    def __init__(self, device="cpu"):
        from ember._tensor import device as _device
        self.device = _device(device)
        self._rng = xp.random.Generator(_new_bit_generator())
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed, /):
        """Reseed (negative seeds wrap around to 64 bits, as PyTorch); returns the generator.

        Takes a Python int only, as PyTorch's method (``ember.manual_seed`` converts with ``int()`` first).
        """
        seed = _unpack_u64("manual_seed", seed)
        self._seed = seed
        _init_genrand(self._rng.bit_generator, seed & 0xFFFF_FFFF)
        self._normal = None  # the second value of the last scalar Box-Muller pair, kept for the next draw
        self._float_normal = b"\0\0\0\0\0"  # PyTorch's float cache and its flag (kept only for get/set_state)
        return self

    def seed(self):
        """Reseed from a non-deterministic source; returns the new seed."""
        import secrets
        s = secrets.randbits(63)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        """The seed last set by ``manual_seed``/``seed`` (or carried by a state loaded with ``set_state``)."""
        return self._seed

    def get_state(self):
        """The generator state as a 5056-byte uint8 tensor in PyTorch's layout (restore it with ``set_state``)."""
        from ember._tensor import wrap
        st = self._rng.bit_generator.state["state"]
        key, pos = st["key"], int(st["pos"])
        nxt = pos
        if pos == _N:  # a fresh seeding and 624 draws both regenerate on the next draw; PyTorch says next=0 then
            fresh = _new_bit_generator()
            _init_genrand(fresh, self._seed & 0xFFFF_FFFF)
            if (fresh.state["state"]["key"] == key).all():
                nxt = 0
        raw = bytearray(_STATE_BYTES)
        raw[0:24] = (xp.array([self._seed], "<u8").tobytes() + xp.array([_N + 1 - pos, 1], "<i4").tobytes()
                     + xp.array([nxt], "<u8").tobytes())
        raw[_OFF_WORDS:_OFF_WORDS + 8 * _N] = key.astype("<u8").tobytes()
        if self._normal is not None:
            raw[_OFF_NORMAL:_OFF_NORMAL + 8] = xp.array([self._normal], "<f8").tobytes()
            raw[_OFF_NORMAL_OK] = 1
        raw[_OFF_FLOAT:_OFF_FLOAT + 5] = self._float_normal
        return wrap(xp.frombuffer(bytes(raw), dtype=xp.uint8).copy())

    def set_state(self, new_state):
        """Load a state from ``get_state`` (ember's or PyTorch's); returns the generator."""
        from ember._tensor import Tensor
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state._data.dtype != xp.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = xp.ascontiguousarray(new_state._data).reshape(-1).tobytes()
        if len(raw) != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the input RNG "
                               f"state size to be {len(raw)}")
        seed = int(xp.frombuffer(raw[0:8], "<u8")[0])
        left, seeded = (int(v) for v in xp.frombuffer(raw[8:16], "<i4"))
        nxt = int(xp.frombuffer(raw[16:24], "<u8")[0])
        if not seeded or not 1 <= left <= _N or nxt > _N:
            raise RuntimeError("Invalid mt19937 state")
        key = xp.frombuffer(raw[_OFF_WORDS:_OFF_WORDS + 8 * _N], "<u8").astype(xp.uint32)
        self._rng.bit_generator.state = {"bit_generator": "MT19937",
                                         "state": {"key": key, "pos": _N if left == 1 else nxt}}
        self._seed = seed
        self._normal = (float(xp.frombuffer(raw[_OFF_NORMAL:_OFF_NORMAL + 8], "<f8")[0])
                        if raw[_OFF_NORMAL_OK] else None)
        self._float_normal = raw[_OFF_FLOAT:_OFF_FLOAT + 4] + (b"\1" if raw[_OFF_FLOAT_OK] else b"\0")
        return self

    def clone_state(self, /):
        """A new generator holding a copy of this one's state (the two then draw the same numbers).

        Example::

            >>> g = ember.Generator().manual_seed(0)
            >>> c = g.clone_state()
            >>> ember.equal(ember.rand(3, generator=g), ember.rand(3, generator=c))
            True
        """
        other = Generator(self.device)
        other._rng.bit_generator.state = self._rng.bit_generator.state
        other._seed, other._normal, other._float_normal = self._seed, self._normal, self._float_normal
        return other

    def get_offset(self, /):
        """PyTorch's Philox offset: a CPU generator (a Mersenne Twister) has none, so this raises RuntimeError."""
        raise RuntimeError("CPU Generator does not use offset")

    def set_offset(self, offset, /):
        """PyTorch's Philox offset: a CPU generator has none, so this raises RuntimeError (after checking that
        ``offset`` is an int, as PyTorch)."""
        _unpack_u64("manual_offset", offset)
        raise RuntimeError("CPU Generator does not use offset")

    def graphsafe_get_state(self, /):
        """CUDA-graph state capture: not supported by a CPU generator (NotImplementedError, as PyTorch)."""
        raise NotImplementedError("graphsafe_get_state is not supported in this Generator")

    def graphsafe_set_state(self, state, /):
        """CUDA-graph state capture: not supported by a CPU generator (``state`` must still be a Generator)."""
        if not isinstance(state, Generator):
            from ember._functions_args import type_name
            raise TypeError(f"expected a Generator, but got {type_name(state)}")
        raise NotImplementedError("graphsafe_set_state is not supported in this Generator")

    def __repr__(self):
        return f"<ember._C.Generator object at {hex(id(self))}>"


def _unpack_u64(name, value):
    """``value`` as the uint64 PyTorch's generator methods read: a Python int (not bool) from -2**63 to
    2**64 - 1, negative ones wrapped around; PyTorch's errors for anything else (a NumPy integer is not a
    Python int there: TypeError)."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, xp.integer):
            raise TypeError("an integer is required")
        from ember._functions_args import type_name
        name_of = "ember._C.Generator" if isinstance(value, Generator) else type_name(value)
        raise RuntimeError(f"{name} expected a long, but got {name_of}")
    value = int(value)
    if not -(1 << 63) <= value < (1 << 64):
        raise ValueError("Overflow when unpacking long long")
    return value & 0xFFFF_FFFF_FFFF_FFFF


default_generator = Generator()


def get_generator(generator=None):
    """``generator``, or the default generator when it is None."""
    return generator or default_generator


def rng(generator=None):
    """A NumPy generator over the mt19937 stream of ``generator`` (default: the global one), for sampling
    that has no PyTorch-identical kernel in ember."""
    return (generator or default_generator)._rng


def manual_seed(seed):
    """Seed the default generator; returns it.

    Example::

        >>> ember.manual_seed(0)
        >>> ember.rand(1)  # as torch.manual_seed(0); torch.rand(1)
        tensor([0.4963])
    """
    return default_generator.manual_seed(int(seed))


def seed():
    """Seed the default generator from a non-deterministic source; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """The default generator's seed."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state (a 5056-byte uint8 tensor in PyTorch's layout)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Load a state from ``get_rng_state`` (ember's or ``torch.get_rng_state()``'s bytes) into the default
    generator."""
    default_generator.set_state(new_state)
