"""Text rules every domain shares: what a search matches, and what a spreadsheet may not run."""

from __future__ import annotations

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """`value` as a spreadsheet shows it as text: a leading = + - @ (or tab, CR) gets an apostrophe."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def contains_pattern(text: str) -> str:
    """A LIKE pattern for `text` anywhere, case-insensitive (lower-cased), wildcards taken literally
    (use with `escape="\\\\"`)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
