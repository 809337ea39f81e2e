"""Random identifiers in the shapes Lambda uses, without the `uuid` module (it imports `platform`: ~3 ms)."""

from __future__ import annotations

import os
import re

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def random_uuid() -> str:
    """A random (version 4) UUID in its canonical text form."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def random_hex(length: int) -> str:
    return os.urandom((length + 1) // 2).hex()[:length]


def is_uuid(text: str) -> bool:
    return bool(_UUID.match(text))
