"""`python -m orderexchange.cli …`, as it worked while the CLI was one module."""

from . import main

main(prog_name="orderexchange")
