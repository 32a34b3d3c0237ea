"""Helpers for uploaded and stored files shared by the apps that take them."""

from __future__ import annotations

import hashlib
from typing import IO

CHUNK = 1 << 20


def sha256_of(stream: IO[bytes]) -> str:
    """The SHA-256 of the whole stream, read in chunks from its start; left rewound."""
    stream.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()
