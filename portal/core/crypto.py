"""The project's one cryptography service: digests, integrity tags and authenticated encryption.

``settings.TIANFU_CRYPTO_SUITE`` chooses the algorithms, read at call time:

* ``standard``: SHA-256, HMAC-SHA-256 and AES-256-GCM;
* ``national``: the Chinese national algorithms of GB/T 32905 and GB/T 32907, SM3, HMAC-SM3 and
  SM4-GCM (required on some government networks).

Both come from the maintained ``cryptography`` package (OpenSSL). Keys are derived with HKDF
from ``settings.TIANFU_AUDIT_KEY``, or from ``SECRET_KEY`` where the settings allow that (demo and
test, see the "Security audit" section of settings.py), one key per suite and purpose.

A tag and a ciphertext token both start with the name of the suite that made them
(``national:…``), so they verify and decrypt after the setting changes: a switch applies to what
is written next and leaves older records readable.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.core.exceptions import PortalError
from portal.env import ConfigError

NONCE_BYTES: Final = 12  # the GCM nonce size NIST SP 800-38D recommends
GCM_TAG_BYTES: Final = 16
SALT: Final = b"tianfu-atlas"


class CryptoError(PortalError):
    """A token that does not decrypt: changed, truncated, or made with another key."""

    default_message = _("The protected data could not be read: it was changed or damaged.")


@dataclass(frozen=True)
class Suite:
    """The algorithms of one suite: a hash (also for HMAC and HKDF) and a 128-bit block cipher."""

    name: str
    hash: type[hashes.HashAlgorithm]
    cipher: type[algorithms.AES] | type[algorithms.SM4]
    key_bytes: int


SUITES: Final = {
    "standard": Suite("standard", hashes.SHA256, algorithms.AES, 32),
    "national": Suite("national", hashes.SM3, algorithms.SM4, 16),
}


def current_suite() -> Suite:
    """The suite the settings choose for what is written now."""
    name = settings.TIANFU_CRYPTO_SUITE
    if name not in SUITES:
        raise ConfigError(f"TIANFU_CRYPTO_SUITE={name!r} must be one of: {', '.join(SUITES)}")
    return SUITES[name]


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode() if isinstance(data, str) else data


def digest(data: bytes | str) -> str:
    """The hex digest of ``data`` with the current suite's hash (SHA-256 or SM3)."""
    hasher = hashes.Hash(current_suite().hash())
    hasher.update(_as_bytes(data))
    return hasher.finalize().hex()


def tag(data: bytes | str) -> str:
    """An integrity tag of ``data`` (HMAC with the audit key), as ``suite:hex``."""
    suite = current_suite()
    return f"{suite.name}:{_hmac(suite, data).finalize().hex()}"


def verify_tag(data: bytes | str, tag_text: str) -> bool:
    """Whether ``tag_text`` is the tag of ``data``, by the suite it names; constant time."""
    name, _sep, hex_mac = tag_text.partition(":")
    suite = SUITES.get(name)
    if suite is None:
        return False
    try:
        expected = bytes.fromhex(hex_mac)
    except ValueError:
        return False
    try:
        _hmac(suite, data).verify(expected)  # compares in constant time
    except InvalidSignature:
        return False
    return True


def encrypt(plaintext: bytes | str) -> str:
    """``plaintext`` encrypted and authenticated (AES-256-GCM or SM4-GCM), as ``suite:base64``."""
    suite = current_suite()
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(suite.cipher(_key(suite, "encrypt")), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(suite.name.encode())  # the label cannot be swapped
    body = encryptor.update(_as_bytes(plaintext)) + encryptor.finalize()
    token = base64.urlsafe_b64encode(nonce + body + encryptor.tag).decode("ascii")
    return f"{suite.name}:{token}"


def decrypt(token: str) -> bytes:
    """The plaintext of a token from :func:`encrypt`; :class:`CryptoError` if it was altered."""
    name, _sep, encoded = token.partition(":")
    suite = SUITES.get(name)
    if suite is None:
        raise CryptoError(detail=f"unknown crypto suite {name!r}")
    try:
        raw = base64.urlsafe_b64decode(encoded.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError):
        raise CryptoError(detail="token is not base64") from None
    if len(raw) < NONCE_BYTES + GCM_TAG_BYTES:
        raise CryptoError(detail="token too short")
    nonce, body, gcm_tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-GCM_TAG_BYTES], raw[-GCM_TAG_BYTES:]
    cipher = Cipher(suite.cipher(_key(suite, "encrypt")), modes.GCM(nonce, gcm_tag))
    decryptor = cipher.decryptor()
    decryptor.authenticate_additional_data(suite.name.encode())
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag:
        raise CryptoError(detail="authentication tag does not match") from None


def _hmac(suite: Suite, data: bytes | str) -> hmac.HMAC:
    mac = hmac.HMAC(_key(suite, "tag"), suite.hash())
    mac.update(_as_bytes(data))
    return mac


def _key(suite: Suite, purpose: str) -> bytes:
    return _derive(_master_key(), suite.name, purpose)


def _master_key() -> bytes:
    """The configured audit key; settings allow falling back to SECRET_KEY outside production."""
    return (settings.TIANFU_AUDIT_KEY or settings.SECRET_KEY).encode()


@functools.lru_cache(maxsize=16)
def _derive(master: bytes, suite_name: str, purpose: str) -> bytes:
    """One key per suite and purpose, so a tag key never doubles as an encryption key."""
    suite = SUITES[suite_name]
    info = f"tianfu-atlas/{suite_name}/{purpose}".encode()
    return HKDF(algorithm=suite.hash(), length=suite.key_bytes, salt=SALT, info=info).derive(master)
