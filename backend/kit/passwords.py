"""Password hashing with Argon2id (argon2-cffi defaults, RFC 9106 low-memory profile); strength rule."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend.kit.errors import ValidationFailed

_hasher = PasswordHasher()
# Verifying against this keeps the time of a login for an unknown email equal to a wrong password.
_DUMMY_HASH = _hasher.hash("timing-equaliser-not-a-password")

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # hashing megabytes of "password" is a denial of service, not security
# Length at which a single kind of character (e.g. a lower-case passphrase) is strong enough.
PASSPHRASE_LENGTH = 16
_COMMON = frozenset(
    {
        "password123",
        "password1234",
        "passw0rd123",
        "1234567890",
        "12345678910",
        "0123456789",
        "qwertyuiop",
        "qwertyuiop1",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "iloveyou123",
        "abcdefghij",
        "abc1234567",
        "letmein123",
        "welcome123",
        "welcome1234",
        "changeme123",
        "administrator",
        "admin12345",
        "qwerty12345",
        "football123",
        "monkey12345",
        "sunshine123",
        "princess123",
        "trustno1234",
        "starwars123",
        "dragon12345",
        "asdfghjkl1",
        "zaq12wsxcde",
        "password!1",
    }
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_password_strength(password: str, *, email: str = "") -> None:
    """Refuse weak passwords with a message that says how to make a good one.

    At least 10 characters mixing two kinds (lower case, upper case, digits, other) or a passphrase
    of 16+; not a well-known password, not mostly one repeated character, not the email address.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"Password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(f"Password must have at most {MAX_PASSWORD_LENGTH} characters.")
    kinds = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if kinds < 2 and len(password) < PASSPHRASE_LENGTH:
        raise ValidationFailed(
            "Password is too simple: mix letters with digits or symbols, "
            f"or use a passphrase of {PASSPHRASE_LENGTH}+ characters."
        )
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) < 4:
        raise ValidationFailed("This password is too easy to guess. Please choose another one.")
    email = email.strip().lower()
    if email and (email in lowered or lowered == email.split("@", 1)[0]):
        raise ValidationFailed("Password must not be or contain your email address.")
