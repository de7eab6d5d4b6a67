"""Argument checks shared by the layers (one-line ValueErrors naming the argument)."""


def positive_int(name, value):
    """Refuses anything but an int >= 1 (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
