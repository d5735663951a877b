"""``repr`` of tensors in PyTorch's format (4 digits, aligned columns, summarised large tensors)."""

import contextlib
import math

from ember._backend import to_numpy, xp


class _PrintOptions:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


PRINT_OPTS = _PrintOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set tensor printing options, as ``torch.set_printoptions``.

    Args:
        precision: digits after the decimal point (default 4).
        threshold: element count above which a tensor prints summarised (default 1000).
        edgeitems: items kept at each end of each dimension when summarised (default 3); 0 prints ``[...]`` and
            adds a ``size=`` to every non-empty tensor's repr.
        linewidth: characters per line (default 80).
        profile: ``"default"``, ``"short"`` or ``"full"``, applied before the other arguments.
        sci_mode: True / False forces scientific / fixed notation; None (the default, and what any call that
            does not pass it restores) chooses from the values.

    Example::

        >>> ember.set_printoptions(precision=2)
        >>> ember.tensor([1.2345])
        tensor([1.23])
        >>> ember.set_printoptions(profile="default")
    """
    if profile == "default":
        PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 4, 1000, 3, 80
    elif profile == "short":
        PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 1000, 2, 80
    elif profile == "full":
        PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 4, math.inf, 3, 80
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current print options as a dict (``precision``, ``threshold``, ``edgeitems``, ``linewidth``,
    ``sci_mode``), as ``torch._tensor_str.get_printoptions``; ``set_printoptions(**d)`` restores them.

    Example::

        >>> get_printoptions()["precision"]
        4
    """
    return {name: getattr(PRINT_OPTS, name) for name in ("precision", "threshold", "edgeitems", "linewidth",
                                                          "sci_mode")}


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager: ``set_printoptions(**kwargs)`` inside the block, the previous options restored after it
    (also on an exception).

    Example::

        >>> with printoptions(precision=2):
        ...     print(ember.tensor([1.2345]))
        tensor([1.23])
    """
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Chooses the number format (integer-valued, fixed or scientific) and the column width.

    As in PyTorch, the mode and width come from the finite non-zero values only, so ``nan``/``inf``/``0``
    never widen a column.
    """

    def __init__(self, values):
        self.floating = values.dtype.kind in "fV"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not self.floating:
            if values.dtype == xp.bool_:
                strs = [str(bool(v)) for v in values]
            else:
                strs = [str(int(v)) for v in values]
            self.max_width = max((len(s) for s in strs), default=1)
            return
        vals = values.astype(xp.float64)
        if values.dtype.name == "float8_e8m0fnu":
            # It has no zero (0 converts to its smallest value, 2**-127, which PyTorch leaves out as zero), and
            # PyTorch's isfinite calls its NaN finite: a NaN among the values then decides the format, as there.
            nonzero = vals[vals != 2.0 ** -127]
        else:
            nonzero = vals[xp.isfinite(vals) & (vals != 0)]
        if nonzero.size:
            absn = xp.abs(nonzero)
            vmin, vmax = float(absn.min()), float(absn.max())
            self.int_mode = bool((nonzero == xp.ceil(nonzero)).all())
            if self.int_mode:
                self.sci_mode = vmax / vmin > 1000.0 or vmax > 1e8
            else:
                self.sci_mode = vmax / vmin > 1000.0 or vmax > 1e8 or vmin < 1e-4
        if nonzero.size:
            if PRINT_OPTS.sci_mode is not None:  # (it chooses the format of finite non-zero values only)
                self.sci_mode = PRINT_OPTS.sci_mode
            self.max_width = max(len(self._format_raw(v)) for v in nonzero.tolist())

    def _format_raw(self, v):
        p = PRINT_OPTS.precision
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if self.sci_mode:
            return f"{v:.{p}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{p}f}"

    def width(self):
        return self.max_width

    def format(self, v):
        if self.floating:
            s = self._format_raw(float(v))
        elif isinstance(v, (bool, xp.bool_)):
            s = str(bool(v))
        else:
            s = str(int(v))
        return " " * (self.max_width - len(s)) + s


class _ComplexFormatter:
    """Complex values as PyTorch prints them: real parts and imaginary parts each get their own format (so
    ``1.0000+2.0000e+00j`` is possible); the real part is padded to its column, the imaginary part is not."""

    floating = True

    def __init__(self, values):
        self.real = _Formatter(values.real)
        self.imag = _Formatter(values.imag)

    def width(self):
        return self.real.width() + self.imag.width() + 1  # + "j"; the sign is part of the imaginary width

    def format(self, v):
        v = complex(v)
        imag = (self.imag.format(v.imag) + "j").lstrip()
        return self.real.format(v.real) + (imag if imag[0] in "+-" else "+" + imag)


def _summarized(a):
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * e:
        a = xp.concatenate([a[:e], a[-e:]])
    return xp.stack([_summarized(x) for x in a]) if a.ndim > 1 else a


def _str_rec(a, indent, summarize, fmt):
    dim = a.ndim
    e = PRINT_OPTS.edgeitems
    if dim == 0:
        return fmt.format(a.item())
    if dim == 1:
        if summarize and a.shape[0] > 2 * e:
            data = [fmt.format(v) for v in a[:e].tolist()] + [" ..."] + [fmt.format(v) for v in a[-e:].tolist()]
        else:
            data = [fmt.format(v) for v in a.tolist()]
        per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / (fmt.width() + 2))))
        lines = [", ".join(data[i: i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    if summarize and a.shape[0] > 2 * e:
        slices = ([_str_rec(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."]
                  + [_str_rec(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0] - e, a.shape[0])])
    else:
        slices = [_str_rec(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0])]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def array_str(a, indent):
    """Format an array body the way PyTorch formats tensor data."""
    summarize = a.size > PRINT_OPTS.threshold
    if summarize and not PRINT_OPTS.edgeitems and a.ndim:
        return "[...]"  # (no values shown, so none are scanned for the format)
    data = _summarized(a) if summarize else a
    flat = data.reshape(-1)
    fmt = _ComplexFormatter(flat) if flat.dtype.kind == "c" else _Formatter(flat)
    return _str_rec(a, indent, summarize, fmt)


def tensor_repr(t, prefix=None, tensor_contents=None):
    """``repr(t)`` as PyTorch writes it: ``tensor(`` (or a subclass's ``ClassName(``) + the values (or
    ``tensor_contents`` in their place) + the ``size=``/``dtype=``/``grad_fn=`` suffixes; a Parameter subclass's
    repr is wrapped in ``Parameter(...)``."""
    from ember import _dtype
    from ember._tensor import Tensor
    from ember.nn.parameter import Parameter
    wrap_param = False
    if prefix is None:
        cls = type(t)
        prefix = "tensor(" if cls is Tensor or cls is Parameter else cls.__name__ + "("
        wrap_param = cls is not Parameter and isinstance(t, Parameter)
    a = to_numpy(t._data)
    indent = len(prefix)
    suffixes = []
    default_float = _dtype.get_default_dtype().np
    default_complex = _dtype.default_complex().np
    if a.size == 0:
        body = "[]"
        if a.ndim != 1:
            suffixes.append(f"size=({', '.join(map(str, a.shape))}{',' if a.ndim == 1 else ''})")
        if a.dtype != default_float:  # nothing to infer the dtype from
            suffixes.append(f"dtype=ember.{a.dtype.name}")
    else:
        body = array_str(a, indent) if tensor_contents is None else None
        if not PRINT_OPTS.edgeitems:  # (PyTorch's rule: with no edge items, the size is always spelled out)
            suffixes.append(f"size={tuple(a.shape)}")
    if tensor_contents is not None:
        body = tensor_contents
    if a.size and a.dtype not in (default_float, default_complex, xp.dtype(xp.int64), xp.dtype(xp.bool_)):
        suffixes.append(f"dtype=ember.{a.dtype.name}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name().rsplit('::', 1)[-1]}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    out = prefix + body
    # (PyTorch counts two characters more than the last line holds: its rule, kept for the same line breaks)
    out = join_suffixes(out, suffixes, indent, len(out) - out.rfind("\n") + 1)
    return f"Parameter({out})" if wrap_param else out


def join_suffixes(out, suffixes, indent, last_line_len):
    """Append ``, size=..., dtype=...`` items to a repr by PyTorch's line-width rule, and close it."""
    for s in suffixes:
        if last_line_len + len(s) + 2 > PRINT_OPTS.linewidth:
            out += ",\n" + " " * indent + s
            last_line_len = indent + len(s)
        else:
            out += ", " + s
            last_line_len += len(s) + 2
    return out + ")"


# -------------------------------------------------------------------------------- PyTorch's C++ tensor print
# Some of PyTorch's error messages embed a tensor as its C++ API prints it (``std::cout << tensor``): rows of
# right-aligned numbers and a ``[ torch.LongTensor{1,2} ]`` line. This follows it for the common cases (it does
# not split wide matrices into "Columns i to j" chunks).

_CPP_TYPE_NAMES = {
    "float32": "torch.FloatTensor", "float64": "torch.DoubleTensor", "float16": "torch.HalfTensor",
    "int64": "torch.LongTensor", "int32": "torch.IntTensor", "int16": "torch.ShortTensor",
    "int8": "torch.CharTensor", "uint8": "torch.ByteTensor", "bool": "CPUBoolType", "bfloat16": "CPUBFloat16Type",
    "complex64": "CPUComplexFloatType", "complex128": "CPUComplexDoubleType",
}


def _cpp_number_format(vals, integer_dtype):
    """(format function, column width, scale) for float64 ``vals``, chosen as the C++ printer does from the
    finite non-zero magnitudes: integer-valued (``%g`` for floats), fixed with 4 decimals (over a power-of-ten
    scale when the values are all large or all small) or scientific."""
    finite = vals[xp.isfinite(vals)]
    mags = xp.abs(finite[finite != 0])
    exp_max = exp_min = 1
    if mags.size:
        exp_max = math.floor(math.log10(float(mags.max()))) + 1
        exp_min = math.floor(math.log10(float(mags.min()))) + 1
    sci = (lambda v: f"{v:.4e}"), 11 if max(abs(exp_max), abs(exp_min)) <= 99 else 12, 1.0
    if bool((finite == xp.round(finite)).all()):
        if exp_max > 9:
            return sci
        return ((lambda v: str(int(v))) if integer_dtype else (lambda v: f"{v:g}")), exp_max + 1, 1.0
    if exp_max - exp_min > 4:
        return sci
    if exp_max > 5 or exp_max < 0:
        return (lambda v: f"{v:.4f}"), 7, 10.0 ** (exp_max - 1)
    return (lambda v: f"{v:.4f}"), 7 if exp_max == 0 else exp_max + 6, 1.0


def cpp_tensor_str(a):
    """An array of 2 or more dimensions as PyTorch's C++ ``operator<<`` prints a tensor (see above)."""
    a = to_numpy(a)
    name = _CPP_TYPE_NAMES.get(a.dtype.name, "torch.Tensor")
    tail = f"[ {name}{{{','.join(map(str, a.shape))}}} ]"
    if a.size == 0:
        return tail
    vals = (a.real if a.dtype.kind == "c" else a).astype(xp.float64)
    fn, width, scale = _cpp_number_format(vals, a.dtype.kind in "biu")
    head = [f"{scale:.15g} *"] if scale != 1 else []

    def block(m, headers):
        # (rows after a header line come out indented by one more space per header, the first row by one less)
        lines = [" " * max(len(headers) - (r == 0), 0)
                 + " ".join(("nan" if v != v else fn(v / scale)).rjust(width) for v in row)
                 for r, row in enumerate(m.tolist())]
        return "".join(h + "\n" for h in headers) + "\n".join(lines) + "\n"

    if a.ndim == 2:
        return block(vals, head) + tail
    lead = vals.shape[:-2]
    blocks = []
    for flat in range(int(xp.prod(lead))):  # the first index varies fastest, as PyTorch prints
        idx, rest = [], flat
        for n in lead:
            idx.append(rest % n)
            rest //= n
        label = "(" + ",".join(str(i + 1) for i in idx) + ",.,.) = "
        blocks.append(block(vals[tuple(idx)], [label] + head))
    return "\n".join(blocks) + tail
