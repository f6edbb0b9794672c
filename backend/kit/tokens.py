"""Random secrets handed to users (session cookies, tickets, API tokens, codes) and their stored digests."""

from __future__ import annotations

import hashlib
import secrets


def new_token(prefix: str = "") -> str:
    """256 random bits, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def new_numeric_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def digest(value: str) -> str:
    """What the database keeps instead of the secret: SHA-256 hex (256 random bits need no salt)."""
    return hashlib.sha256(value.encode()).hexdigest()
