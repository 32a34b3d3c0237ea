"""The crypto service: known-answer vectors, HMAC and AES/SM4 round trips, tamper detection."""

import hmac

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from portal.core import crypto

KEY = "a-test-audit-key-of-at-least-32-characters"


@pytest.fixture(autouse=True)
def audit_key(settings):
    settings.TIANFU_AUDIT_KEY = KEY
    settings.TIANFU_CRYPTO_SUITE = "standard"
    return settings


def hkdf(hash_name: str, length: int, info: bytes) -> bytes:
    """RFC 5869 written out with the standard library, to check the service's key derivation."""
    prk = hmac.new(crypto.SALT, KEY.encode(), hash_name).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hash_name).digest()
        okm, counter = okm + block, counter + 1
    return okm[:length]


def test_sm3_digest_matches_the_gb_t_32905_examples(settings):
    settings.TIANFU_CRYPTO_SUITE = "national"
    assert crypto.digest("abc") == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    assert crypto.digest(b"abcd" * 16) == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def test_sha256_digest_matches_fips_180_2():
    assert crypto.digest(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_national_cipher_is_sm4_of_gb_t_32907():
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    suite = crypto.SUITES["national"]
    encryptor = Cipher(suite.cipher(key), modes.ECB()).encryptor()
    assert encryptor.update(key).hex() == "681edf34d206965e86b3e94f536e4246"


@pytest.mark.parametrize(
    ("suite", "hash_name", "size"), [("standard", "sha256", 32), ("national", "sm3", 32)]
)
def test_tag_is_hmac_with_a_key_derived_by_hkdf(settings, suite, hash_name, size):
    settings.TIANFU_CRYPTO_SUITE = suite
    key = hkdf(hash_name, size if suite == "standard" else 16, f"tianfu-atlas/{suite}/tag".encode())
    expected = hmac.new(key, b"row", hash_name).hexdigest()
    assert crypto.tag(b"row") == f"{suite}:{expected}"
    assert crypto.verify_tag(b"row", crypto.tag(b"row"))


def test_a_tag_verifies_after_the_suite_changes(settings):
    standard = crypto.tag("event")
    settings.TIANFU_CRYPTO_SUITE = "national"
    national = crypto.tag("event")
    assert national.startswith("national:")
    assert standard.startswith("standard:")
    assert crypto.verify_tag("event", standard)
    assert crypto.verify_tag("event", national)


@pytest.mark.parametrize(
    "forged",
    [
        lambda tag: tag[:-1] + ("0" if tag[-1] != "0" else "1"),  # one hex digit changed
        lambda tag: "national:" + tag.partition(":")[2],  # relabelled to the other suite
        lambda tag: "md5:" + tag.partition(":")[2],  # a suite that does not exist
        lambda tag: tag.partition(":")[0] + ":not-hex",
        lambda tag: "",
    ],
)
def test_a_changed_tag_or_changed_data_does_not_verify(forged):
    tag = crypto.tag("event")
    assert not crypto.verify_tag("event", forged(tag))
    assert not crypto.verify_tag("event!", tag)


def test_another_key_does_not_verify(settings):
    tag = crypto.tag("event")
    settings.TIANFU_AUDIT_KEY = "another-audit-key-of-at-least-32-characters"
    assert not crypto.verify_tag("event", tag)


@pytest.mark.parametrize("suite", ["standard", "national"])
def test_encrypt_round_trips_and_records_the_suite(settings, suite):
    settings.TIANFU_CRYPTO_SUITE = suite
    token = crypto.encrypt("天府 secret")
    assert token.startswith(f"{suite}:")
    assert "secret" not in token
    assert crypto.decrypt(token) == "天府 secret".encode()
    assert crypto.encrypt("天府 secret") != token  # a fresh nonce each time
    settings.TIANFU_CRYPTO_SUITE = "national" if suite == "standard" else "standard"
    assert crypto.decrypt(token) == "天府 secret".encode()  # still readable after a switch


def flip(token: str, index: int) -> str:
    suite, _sep, body = token.partition(":")
    raw = bytearray(crypto.base64.urlsafe_b64decode(body))
    raw[index] ^= 0x01
    return f"{suite}:{crypto.base64.urlsafe_b64encode(bytes(raw)).decode()}"


@pytest.mark.parametrize("suite", ["standard", "national"])
@pytest.mark.parametrize("index", [0, 12, -1])  # the nonce, the ciphertext, the GCM tag
def test_a_tampered_token_is_refused(settings, suite, index):
    settings.TIANFU_CRYPTO_SUITE = suite
    token = crypto.encrypt("payload")
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(flip(token, index))


@pytest.mark.parametrize(
    "token",
    ["national:" + "A" * 8, "standard:%%%", "rot13:abcd", "no-separator"],
)
def test_a_malformed_token_is_refused(token):
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(token)


def test_a_token_relabelled_to_the_other_suite_is_refused():
    token = crypto.encrypt("payload")
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt("national:" + token.partition(":")[2])


def test_without_an_audit_key_the_secret_key_is_used(settings):
    settings.TIANFU_AUDIT_KEY = ""
    from_secret = crypto.tag("event")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert crypto.tag("event") != from_secret


def test_unknown_suite_setting_fails_loudly(settings):
    settings.TIANFU_CRYPTO_SUITE = "rot13"
    with pytest.raises(crypto.ConfigError, match="TIANFU_CRYPTO_SUITE"):
        crypto.tag("event")
