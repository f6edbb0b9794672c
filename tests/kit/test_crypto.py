"""Secrets at rest: AES-256-GCM round trip, key rotation, tamper and unknown-key detection."""

from __future__ import annotations

import base64
import os

import pytest

from backend.crypto import DecryptionError, SecretBox, key_id


def _key() -> bytes:
    return os.urandom(32)


def test_round_trip_and_a_fresh_nonce_every_time() -> None:
    box = SecretBox([_key()])
    first = box.encrypt("hcloud-token-123", context="service_type:1")
    second = box.encrypt("hcloud-token-123", context="service_type:1")
    assert first != second
    assert "hcloud-token-123" not in first
    assert box.decrypt(first, context="service_type:1") == "hcloud-token-123"
    assert box.decrypt_bytes(box.encrypt(b"\x00ssh-key\xff")) == b"\x00ssh-key\xff"


def test_rotation_new_key_encrypts_old_keys_still_decrypt() -> None:
    old, new = _key(), _key()
    stored = SecretBox([old]).encrypt("secret")
    rotated_box = SecretBox([new, old])
    assert rotated_box.decrypt(stored) == "secret"
    assert rotated_box.needs_rotation(stored)
    fresh = rotated_box.rotate(stored)
    assert not rotated_box.needs_rotation(fresh)
    assert fresh.split(".")[1] == key_id(new)
    assert SecretBox([new]).decrypt(fresh) == "secret"


def test_a_secret_of_a_removed_key_names_the_missing_key() -> None:
    old = _key()
    stored = SecretBox([old]).encrypt("secret")
    with pytest.raises(DecryptionError, match=key_id(old)):
        SecretBox([_key()]).decrypt(stored)


@pytest.mark.parametrize("position", [0, 5, 20, -1])
def test_tampering_is_detected(position: int) -> None:
    box = SecretBox([_key()])
    version, kid, payload = box.encrypt("do not touch").split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[position] ^= 0x01
    tampered = ".".join([version, kid, base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")])
    with pytest.raises(DecryptionError, match="tampered"):
        box.decrypt(tampered)


def test_a_secret_moved_to_another_context_is_refused() -> None:
    box = SecretBox([_key()])
    stored = box.encrypt("token of plan 1", context="service_type:1")
    with pytest.raises(DecryptionError):
        box.decrypt(stored, context="service_type:2")


@pytest.mark.parametrize("garbage", ["", "plain text", "v9.abcd.AAAA", "v1.abcd", "v1.x.!!!"])
def test_garbage_is_a_clear_error(garbage: str) -> None:
    with pytest.raises(DecryptionError):
        SecretBox([_key()]).decrypt(garbage)


def test_keys_come_from_the_setting() -> None:
    keys = [_key(), _key()]
    setting = ",".join(base64.urlsafe_b64encode(k).decode() for k in keys)
    stored = SecretBox([keys[1]]).encrypt("x")
    assert SecretBox.from_setting(setting).decrypt(stored) == "x"
    with pytest.raises(ValueError, match="32 bytes"):
        SecretBox([b"short"])
