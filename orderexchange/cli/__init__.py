"""The command line: a thin view over `orderexchange.actions`, printing through
`orderexchange.present`.

`root` holds the `orderexchange` group and what every command shares; the commands live by
domain in `orders`, `sending`, `desk` and `setup`, which add themselves to the group when
imported here. The console script is `orderexchange.cli:main`.
"""

from __future__ import annotations

from . import desk, orders, sending, setup
from .root import main

__all__ = ["main", "desk", "orders", "sending", "setup"]
