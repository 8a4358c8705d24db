"""What every part of the config's schema shares: strict models (an unknown key is an error) and
the list and ISO-code validators."""

from __future__ import annotations

from typing import Any

import pycountry
from pydantic import BaseModel, ConfigDict



class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _as_list(value: Any) -> Any:
    """`countries = "DE"` reads as well as `countries = ["DE", "AT"]`."""
    if isinstance(value, str):
        return [value]
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("expected a list of strings")
    if not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return value


def _iso_currency(value: str) -> str:
    code = value.strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. EUR, USD)")
    return code


def _iso_country(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. DE, AT)")
    return code
