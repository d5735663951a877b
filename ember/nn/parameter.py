"""Placeholder: filled in by its owner."""


class Parameter:  # placeholder
    pass


class Buffer:  # placeholder
    pass


class UninitializedParameter:  # placeholder
    pass
