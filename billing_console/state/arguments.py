"""Event handler arguments come from the browser as JSON, so a crafted websocket message can send
anything in them. Handlers convert them here and refuse a bad one with a message, not an exception.
"""

from __future__ import annotations

import re

MAX_ID = 2**63 - 1  # the largest id the database's BIGINT columns hold
_DIGITS = re.compile(r"[0-9]{1,19}")


def record_id(value: object) -> int | None:
    """A database id (1 .. 2^63-1) sent as a number or a string of digits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, int) and 1 <= value <= MAX_ID:
        return value
    return None
