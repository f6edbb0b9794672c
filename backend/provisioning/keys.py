"""Each server's SSH key pair: ed25519, made at order time; the public half goes onto the server, the
private half is kept encrypted (backend.crypto, bound to the tenant and the item so it cannot be
copied to another row) until its owner reveals it, once."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.crypto import decrypt_secret, encrypt_secret


@dataclass(frozen=True, slots=True)
class KeyPair:
    private_key: str  # OpenSSH private key text
    public_key: str  # "ssh-ed25519 AAAA... comment"
    fingerprint: str  # "SHA256:..." as ssh-keygen -l prints it


def new_key_pair(comment: str) -> KeyPair:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    line = public.decode() + (f" {comment}" if comment else "")
    return KeyPair(private, line, fingerprint(line))


def fingerprint(public_line: str) -> str:
    """SHA256 fingerprint of an OpenSSH public key line (base64 of the digest, unpadded)."""
    blob = base64.b64decode(public_line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def public_of_private(private_key: str) -> str:
    """The OpenSSH public line (without comment) of an OpenSSH private key."""
    key = serialization.load_ssh_private_key(private_key.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


def _context(tenant_id: int, item_id: int) -> str:
    return f"subscription_item:{tenant_id}:{item_id}:ssh_private_key"


def seal(private_key: str, tenant_id: int, item_id: int) -> str:
    return encrypt_secret(private_key, context=_context(tenant_id, item_id))


def unseal(sealed: str, tenant_id: int, item_id: int) -> str:
    return decrypt_secret(sealed, context=_context(tenant_id, item_id))
