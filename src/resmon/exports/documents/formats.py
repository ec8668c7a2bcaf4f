"""Numbers and dates as Vietnamese official documents print them, whatever the reader's language:
1.234,5 and dd/mm/yyyy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation


def vn_number(value: object) -> str:
    """``45.50`` → "45,5", ``1234567.8`` → "1.234.567,8" (trailing zeros dropped); "" for None."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    number = number.normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    text = f"{number:,f}"  # 1,234,567.8
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def vn_date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value is not None else ""
