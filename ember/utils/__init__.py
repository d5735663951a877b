"""``ember.utils``: helpers mirroring ``torch.utils`` (``ember.utils.data`` for datasets and loaders)."""


def __getattr__(name):
    # Load subpackages on first use so `import ember.utils` stays light.
    if name == "data":
        import importlib
        module = importlib.import_module("ember.utils.data")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'ember.utils' has no attribute '{name}'")
