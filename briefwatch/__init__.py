"""briefwatch: which units have and have not briefed their people on a new directive."""

__version__ = "0.1.0"
