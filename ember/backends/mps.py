"""Apple-GPU queries: always unavailable in ember."""


def is_available():
    return False


def is_built():
    return False
