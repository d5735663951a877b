"""Module-level ``__getattr__`` hooks that import on first use, so that ``import ember`` stays light."""

import importlib


def lazy_getattr(namespace, modules=(), attrs=(), wrap=None):
    """A ``__getattr__`` for the module whose ``globals()`` is ``namespace``.

    Args:
        namespace: the module's ``globals()``; a loaded name is stored there, so the hook runs once per name.
        modules: ``{name: dotted module path}``; the name is bound to that module.
        attrs: ``{name: dotted module path}``; the name is bound to that module's attribute of the same name.
        wrap: optional ``wrap(name, value)`` applied to an attribute of ``attrs`` before it is bound.

    The mappings are looked up at each call, so entries added after the hook is made count too.

    Example::

        >>> __getattr__ = lazy_getattr(globals(), modules={"data": "ember.utils.data"})
    """
    module_name = namespace["__name__"]

    def __getattr__(name):
        if name in modules:
            value = importlib.import_module(modules[name])
        elif name in attrs:
            value = getattr(importlib.import_module(attrs[name]), name)
            if wrap is not None:
                value = wrap(name, value)
        else:
            raise AttributeError(f"module '{module_name}' has no attribute '{name}'")
        namespace[name] = value
        return value

    return __getattr__
