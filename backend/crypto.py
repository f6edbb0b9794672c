"""Secrets at rest (provider tokens, SSH private keys): AES-256-GCM with rotating keys.

ENCRYPTION_KEY holds one or more urlsafe-base64 32-byte keys, comma separated. The first encrypts;
every key decrypts, so a new key goes first and the old ones stay until their secrets are
re-encrypted. A ciphertext names its key by a short fingerprint, never by its position in the list:
`v1.<key id>.<base64 nonce + ciphertext + tag>`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.settings import get_settings

FORMAT_VERSION = "v1"
_NONCE_BYTES = 12


class DecryptionError(ValueError):
    """A stored secret cannot be decrypted: tampered, truncated, or made with a key we no longer have."""


def key_id(key: bytes) -> str:
    """A short, stable fingerprint of a key (not secret: 8 hex characters of its SHA-256)."""
    return hashlib.sha256(b"billing-console-key-id:" + key).hexdigest()[:8]


class SecretBox:
    """Encrypts with the first key, decrypts with whichever key the ciphertext names."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        for key in keys:
            if len(key) != 32:
                raise ValueError("encryption keys must be 32 bytes (AES-256)")
        self._current = keys[0]
        self._keys = {key_id(key): key for key in keys}

    @classmethod
    def from_setting(cls, value: str) -> SecretBox:
        return cls([base64.urlsafe_b64decode(part.strip()) for part in value.split(",") if part.strip()])

    def encrypt(self, plaintext: str | bytes, *, context: str = "") -> str:
        """Encrypt `plaintext`; `context` (e.g. "service_type:7:token") binds it to where it is stored."""
        data = plaintext.encode() if isinstance(plaintext, str) else plaintext
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self._current).encrypt(nonce, data, context.encode())
        payload = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{FORMAT_VERSION}.{key_id(self._current)}.{payload}"

    def decrypt_bytes(self, token: str, *, context: str = "") -> bytes:
        version, kid, payload = _split(token)
        if version != FORMAT_VERSION:
            raise DecryptionError(f"unknown ciphertext format {version!r}")
        key = self._keys.get(kid)
        if key is None:
            raise DecryptionError(
                f"the secret was encrypted with key {kid}, which is not in ENCRYPTION_KEY "
                "(keep old keys listed after the new one until secrets are re-encrypted)"
            )
        try:
            raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError) as exc:
            raise DecryptionError("the ciphertext is not valid base64") from exc
        if len(raw) < _NONCE_BYTES + 16:
            raise DecryptionError("the ciphertext is truncated")
        try:
            return AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except InvalidTag as exc:
            raise DecryptionError("the secret was tampered with or belongs to another context") from exc

    def decrypt(self, token: str, *, context: str = "") -> str:
        return self.decrypt_bytes(token, context=context).decode()

    def needs_rotation(self, token: str) -> bool:
        """True when `token` was not made with the current key (re-encrypt it)."""
        return _split(token)[1] != key_id(self._current)

    def rotate(self, token: str, *, context: str = "") -> str:
        """The same secret, encrypted with the current key."""
        return self.encrypt(self.decrypt_bytes(token, context=context), context=context)


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(".")
    if len(parts) != 3:
        raise DecryptionError("not an encrypted secret of this product")
    return parts[0], parts[1], parts[2]


@lru_cache(maxsize=1)
def secret_box() -> SecretBox:
    """The box for the configured ENCRYPTION_KEY."""
    return SecretBox.from_setting(get_settings().encryption_key.get_secret_value())


def encrypt_secret(plaintext: str, *, context: str = "") -> str:
    return secret_box().encrypt(plaintext, context=context)


def decrypt_secret(token: str, *, context: str = "") -> str:
    return secret_box().decrypt(token, context=context)
