"""Small file-system helpers: atomic writes and checksums."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temp file in the same folder, then ``os.replace``.

    A crash leaves either the old file or the new one, never a half-written file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; assets are meant to be shared
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, data: Any) -> None:
    """Pretty JSON version of :func:`atomic_write_bytes`."""
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def read_bytes_limited(path: Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``path``, so a caller can tell "too large" (length over
    ``limit``) without reading a huge or endless file (``/dev/zero``) into memory.

    Raises
    ------
    OSError
        The file cannot be opened or read (missing, a folder, no permission).
    """
    with open(path, "rb") as f:
        return f.read(limit + 1)


def parse_json(data: str | bytes, max_bytes: int) -> Any:
    """Parse untrusted JSON text with bounds: at most ``max_bytes``, UTF-8, nesting at most
    200 levels deep (pydantic-core's ``jiter`` parser refuses deeper documents instead of
    exhausting the stack as :func:`json.loads` does).

    Raises
    ------
    ValueError
        Too large, not UTF-8, too deeply nested or not JSON; the message says which.
    """
    from pydantic_core import from_json

    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError as e:  # a lone surrogate: bytes that were not UTF-8
            raise ValueError(f"it is not UTF-8 text (character {e.start})") from e
    if len(data) > max_bytes:
        raise ValueError(f"it is larger than {max_bytes // 1024} KiB")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"it is not UTF-8 text (byte {data[e.start]:#04x} at offset {e.start})") from e
    try:
        return from_json(data)
    except ValueError as e:
        raise ValueError(f"it is not valid JSON ({e})") from e
