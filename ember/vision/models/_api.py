"""Pre-trained weight descriptions and the model registry (mirrors ``torchvision.models._api``)."""

import fnmatch
import functools
import importlib
import inspect
import typing
import warnings
from dataclasses import dataclass
from enum import Enum

__all__ = ["WeightsEnum", "Weights", "get_model", "get_model_builder", "get_model_weights", "get_weight",
           "list_models", "register_model"]


@dataclass
class Weights:
    """What belongs to one set of pre-trained weights: where to download them, how to preprocess inputs for
    them, and facts about them.

    Args:
        url: where the state_dict file lives (read by :func:`ember.hub.load_state_dict_from_url`).
        transforms: a callable building the matching preprocessing (usually a ``functools.partial``).
        meta: facts such as ``categories`` (class names), ``num_params``, ``min_size`` and ``_metrics``.

    Example::

        >>> w = Weights("https://example.com/net-0123abcd.pth", transforms=None, meta={"num_params": 10})
    """

    url: str
    transforms: typing.Callable
    meta: dict

    def __eq__(self, other):
        # partials built the same way compare equal (a deep-copied partial is a new object), which lets enum
        # members survive copy.deepcopy and pickling
        if not isinstance(other, Weights):
            return NotImplemented
        if self.url != other.url or self.meta != other.meta:
            return False
        a, b = self.transforms, other.transforms
        if isinstance(a, functools.partial) and isinstance(b, functools.partial):
            return (a.func, a.args, a.keywords) == (b.func, b.args, b.keywords)
        return a == b


class WeightsEnum(Enum):
    """Base class of the per-model enums of pre-trained weights (``ResNet18_Weights`` ...); each value is a
    :class:`Weights`, and ``DEFAULT`` names the recommended member.

    Example::

        >>> from ember.vision.models import ResNet18_Weights
        >>> ResNet18_Weights.DEFAULT
        ResNet18_Weights.IMAGENET1K_V1
        >>> len(ResNet18_Weights.DEFAULT.meta["categories"])
        1000
    """

    @classmethod
    def verify(cls, obj):
        """``obj`` as a member of this enum: members pass, names (``"IMAGENET1K_V1"`` or
        ``"ResNet18_Weights.IMAGENET1K_V1"``) are looked up, ``None`` stays ``None``.

        Raises:
            TypeError: ``obj`` is a member of another enum (or another kind of object).
        """
        if obj is not None:
            if type(obj) is str:
                obj = cls[obj.replace(cls.__name__ + ".", "")]
            elif not isinstance(obj, cls):
                raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                                f"{type(obj).__name__}.")
        return obj

    def get_state_dict(self, *args, **kwargs):
        """Download (or read from the cache) and load the state_dict; arguments go to
        :func:`ember.hub.load_state_dict_from_url`."""
        from ember.hub import load_state_dict_from_url
        return load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self):
        return f"{type(self).__name__}.{self._name_}"

    @property
    def url(self):
        """The download address of the state_dict."""
        return self.value.url

    @property
    def transforms(self):
        """A callable that builds the preprocessing these weights expect."""
        return self.value.transforms

    @property
    def meta(self):
        """Facts about the weights (``categories``, ``num_params``, ``min_size``, ``_metrics`` ...)."""
        return self.value.meta


# ------------------------------------------------------------------------------------------------ registry
# name -> builder, filled as the model modules are imported ...
BUILTIN_MODELS = {}
# ... and name -> module of the builders not imported yet (ember.vision.models fills this in, so that listing and
# building by name does not import every family up front)
_LAZY_MODELS = {}
# imports a family module (by its short name) and binds its names in ember.vision.models; set by that package
_LAZY_LOADER = None


def register_model(name=None):
    """Decorator registering a model builder under ``name`` (default: the function's name).

    Raises:
        ValueError: the name is taken.

    Example::

        >>> @register_model("tiny_net")
        ... def tiny_net(*, weights=None, progress=True, **kwargs):
        ...     return ember.nn.Linear(2, 2)
    """
    def wrapper(fn):
        key = fn.__name__ if name is None else name
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn
    return wrapper


def _as_filters(spec):
    return [spec] if isinstance(spec, str) else list(spec)


def list_models(module=None, include=None, exclude=None):
    """The sorted names of the registered models.

    Args:
        module: only models whose builder lives directly in this package (e.g. ``ember.vision.models``).
        include: shell-style pattern(s) (``fnmatch``); a name is kept if it matches any of them.
        exclude: pattern(s) applied after ``include``; a name matching any of them is dropped.

    Example::

        >>> list_models(include="resnet1*")
        ['resnet101', 'resnet152', 'resnet18']
    """
    owners = {name: fn.__module__ for name, fn in BUILTIN_MODELS.items()}
    owners.update({name: mod for name, mod in _LAZY_MODELS.items() if name not in owners})
    names = {n for n, owner in owners.items() if module is None or owner.rsplit(".", 1)[0] == module.__name__}
    if include:
        names = {n for pattern in _as_filters(include) for n in fnmatch.filter(names, pattern)}
    if exclude:
        for pattern in _as_filters(exclude):
            names -= set(fnmatch.filter(names, pattern))
    return sorted(names)


def get_model_builder(name):
    """The builder function registered under ``name`` (case-insensitive).

    Raises:
        ValueError: no model has that name.

    Example::

        >>> get_model_builder("resnet18")(num_classes=10).fc.out_features
        10
    """
    name = name.lower()
    if name not in BUILTIN_MODELS and name in _LAZY_MODELS:
        # the module path below ember.vision.models: "resnet", or "segmentation.fcn" for a subpackage's
        _LAZY_LOADER(_LAZY_MODELS[name].split(".", 3)[3])
    try:
        return BUILTIN_MODELS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name, **config):
    """Build the model registered under ``name``; ``config`` goes to its builder.

    Example::

        >>> net = get_model("resnet18", num_classes=10)
    """
    return get_model_builder(name)(**config)


def get_model_weights(name):
    """The weights enum of a model builder (the function itself, or its registered name).

    Raises:
        ValueError: the builder has no ``weights`` parameter annotated with a :class:`WeightsEnum`.

    Example::

        >>> get_model_weights("resnet18")
        <enum 'ResNet18_Weights'>
    """
    fn = get_model_builder(name) if isinstance(name, str) else name
    params = inspect.signature(fn).parameters
    if "weights" not in params:
        raise ValueError("The method is missing the 'weights' argument.")
    ann = params["weights"].annotation
    for cand in (ann, *typing.get_args(ann)):
        if isinstance(cand, type) and issubclass(cand, WeightsEnum):
            return cand
    raise ValueError("The WeightsEnum class for the specific method couldn't be retrieved. Make sure the typing "
                     "info is correct.")


def get_weight(name):
    """A weights enum member by its full name, e.g. ``"ResNet50_Weights.IMAGENET1K_V2"``.

    Raises:
        ValueError: the name is not ``"<Enum>.<member>"`` or names no weights enum.
        KeyError: the enum has no such member.

    Example::

        >>> get_weight("ResNet18_Weights.DEFAULT").url
        'https://download.pytorch.org/models/resnet18-f37072fd.pth'
    """
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    models = importlib.import_module("ember.vision.models")
    cls = getattr(models, enum_name, None)
    for sub in () if cls is not None else models._SUBPACKAGES:
        # the subpackages' enums (FCN_ResNet50_Weights ...), which torchvision's lookup finds too
        cls = getattr(importlib.import_module(f"ember.vision.models.{sub}"), enum_name, None)
        if cls is not None:
            break
    if not (isinstance(cls, type) and issubclass(cls, WeightsEnum)):
        raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")
    return cls[value_name]


# ------------------------------------------------------------------------------------- builder helpers
def _ovewrite_named_param(kwargs, param, new_value):
    """Set ``kwargs[param] = new_value``, refusing a different value the caller already gave."""
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def _ovewrite_value_param(param, actual, expected):
    """``expected``, refusing an ``actual`` value the caller gave (not ``None``) that differs from it."""
    if actual is not None and actual != expected:
        raise ValueError(f"The parameter '{param}' expected value {expected} but got {actual} instead.")
    return expected


def _load_weights(model, weights, progress):
    """Load ``weights`` (a :class:`WeightsEnum` member or ``None``) into ``model`` and return the model."""
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


def _legacy_weights_arg(kwargs, param, old_param, default, stacklevel=3):
    """Turn a pre-0.13 weights flag in ``kwargs`` into a weights value in place, with torchvision's warnings.

    The flag is ``old_param`` (``pretrained``), or a value for ``param`` that is not a weights enum, a name
    (``"legacy"`` excepted) or ``None`` (a bool given for ``weights``); a true flag means ``default()``. A real
    weights value for ``param`` wins: ``old_param`` is then left in ``kwargs``, as torchvision does. The warnings
    point ``stacklevel`` frames up (the builder's caller)."""
    value = kwargs.get(param)
    given = param in kwargs
    if given and (value is None or isinstance(value, WeightsEnum) or (isinstance(value, str) and value != "legacy")):
        return
    if not given and old_param not in kwargs:
        return
    flag = kwargs.pop(param if given else old_param)
    choice = default() if flag else None
    if not given:
        warnings.warn(f"The parameter '{old_param}' is deprecated since 0.13 and may be removed in the future, "
                      f"please use '{param}' instead.", stacklevel=stacklevel)
    msg = (f"Arguments other than a weight enum or `None` for '{param}' are deprecated since 0.13 and may be removed "
           f"in the future. The current behavior is equivalent to passing `{param}={choice}`.")
    if flag:
        msg += f" You can also use `{param}={type(choice).__name__}.DEFAULT` to get the most up-to-date weights."
    warnings.warn(msg, stacklevel=stacklevel)
    kwargs[param] = choice


def _warn_positional(names, stacklevel=2):
    """torchvision's deprecation warning for keyword-only builder arguments ``names`` given positionally."""
    listed = ", ".join(f"'{n}'" for n in names)
    if len(names) > 1:  # torchvision's list: "'a' and 'b'", "'a', 'b', and 'c'"
        head, last = listed.rsplit(", ", 1)
        listed = f"{head}{',' if len(names) > 2 else ''} and {last}"
    warnings.warn(f"Using {listed} as positional parameter(s) is deprecated since 0.13 and may be removed in the "
                  "future. Please use keyword parameter(s) instead.", stacklevel=stacklevel + 1)


def _legacy_builder(fn):
    """Let a builder ``fn(*, weights=None, progress=True, **kwargs)`` also take the pre-0.13 torchvision forms:
    positional arguments and ``pretrained=True/False`` (each with torchvision's deprecation warning)."""
    params = [p for p in inspect.signature(fn).parameters.values() if p.kind is p.KEYWORD_ONLY]
    names = [p.name for p in params]

    @functools.wraps(fn)
    def builder(*args, **kwargs):
        if args:
            named = dict(zip(names, args))
            _warn_positional(named)
            kwargs.update(named)
        _legacy_weights_arg(kwargs, "weights", "pretrained", lambda: get_model_weights(fn).DEFAULT)
        return fn(**kwargs)

    return builder


def _legacy_backbone(fn, default):
    """Let a builder ``fn(**kwargs)`` with a ``weights_backbone`` argument take the pre-0.13
    ``pretrained_backbone=True/False`` (or a bool as ``weights_backbone``), meaning ``default`` or ``None``, with
    torchvision's deprecation warnings. Apply :func:`_legacy_builder` outside it."""
    @functools.wraps(fn)
    def builder(**kwargs):
        # called through _legacy_builder's wrapper: one frame more to the user's call
        _legacy_weights_arg(kwargs, "weights_backbone", "pretrained_backbone", lambda: default, stacklevel=4)
        return fn(**kwargs)

    return builder


_BUILDER_DOC = """

    Args:
        weights: a member of :class:`{enum}` (or its name) to load pre-trained weights, or ``None``
            (default) for random initialisation.
        progress: show a download progress bar (default True).
        **kwargs: further arguments of :class:`{cls}` (``num_classes`` ...).

    Example::

        >>> net = {name}(num_classes=10)
    """


def _builder(summary, enum, cls):
    """Decorator for a public model builder: documents it (``summary`` plus the common arguments), accepts the
    legacy calling forms (see :func:`_legacy_builder`) and registers it under its name."""
    def deco(fn):
        fn.__doc__ = summary + _BUILDER_DOC.format(enum=enum.__name__, cls=cls, name=fn.__name__)
        return register_model()(_legacy_builder(fn))
    return deco


_BASE_URL = "https://download.pytorch.org/models/"
_REFS = "https://github.com/pytorch/vision/tree/main/references/classification"
_ISSUE_3995 = "https://github.com/pytorch/vision/issues/3995"
_PR = "https://github.com/pytorch/vision/pull/"


def _imagenet(file, transforms, accuracy, ops, file_size, recipe, *, num_params, min_size=(1, 1),
              categories="imagenet"):
    """The :class:`Weights` of an ImageNet-1k classifier.

    Args:
        file: the file name under ``download.pytorch.org/models/``.
        transforms: keywords of :class:`~ember.vision.models._presets.ImageClassification` (``crop_size`` ...).
        accuracy: ``(top-1, top-5)`` ImageNet-1k validation accuracy in percent.
        ops: GFLOPS of one forward pass at the crop size.
        file_size: size of the file in MB.
        recipe: where the training recipe is described.
        num_params: number of parameters.
        min_size: smallest ``(H, W)`` input the model accepts.
        categories: the class names; by default ImageNet-1k's (``None`` for a backbone without a head).
    """
    from ember.vision.models._meta import _IMAGENET_CATEGORIES
    from ember.vision.models._presets import ImageClassification

    if categories == "imagenet":
        categories = _IMAGENET_CATEGORIES
    meta = {"categories": categories, "min_size": min_size, "num_params": num_params, "recipe": recipe,
            "_metrics": {"ImageNet-1K": {"acc@1": accuracy[0], "acc@5": accuracy[1]}}, "_ops": ops,
            "_file_size": file_size}
    return Weights(url=_BASE_URL + file, transforms=functools.partial(ImageClassification, **transforms), meta=meta)


def _make_divisible(v, divisor, min_value=None):
    """``v`` rounded to the nearest multiple of ``divisor`` (at least ``min_value``, default ``divisor``), and
    never more than 10% below ``v`` (channel rounding of the MobileNet family)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v
