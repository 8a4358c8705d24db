"""orderexchange: forwards a distributor's customer orders into its suppliers' shop databases."""

from .hookspecs import hookimpl

__version__ = "0.1.0"
__all__ = ["hookimpl", "__version__"]
