"""Asset ids, job ids and object keys, built and checked in one place."""

from __future__ import annotations

import re
import unicodedata
import uuid

from core.errors import StorageError

MAX_ID_LEN = 80
MAX_NAME_LEN = 120
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")


def slugify(text: str, max_len: int = 40) -> str:
    """ASCII, lower-case, dash-separated slug ("Elvish Sword!" -> "elvish-sword")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_len].rstrip("-") or "asset"


def new_job_id() -> str:
    """A random 12-hex-digit job id."""
    return uuid.uuid4().hex[:12]


def asset_id_for(description: str, job_id: str) -> str:
    """``<slug of description>-<first 8 of job id>``, e.g. ``elvish-sword-3f9a2c1d``."""
    return f"{slugify(description)}-{job_id[:8]}"


def _shown(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text)} characters)"


def check_id(value: str, what: str = "id") -> str:
    """Return ``value`` if it is a safe asset/job id (no slashes, no ``..``); else raise.

    Raises
    ------
    StorageError
        The id has characters outside ``a-z 0-9 -`` or is too long.
    """
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise StorageError(
            f"Invalid {what} '{_shown(value)}'.",
            f"Use lower-case letters, digits and dashes, at most {MAX_ID_LEN} characters.",
        )
    return value


def check_name(value: str) -> str:
    """Return ``value`` if it is a safe file name inside an asset folder; else raise."""
    if not isinstance(value, str) or not _NAME.fullmatch(value) or ".." in value:
        raise StorageError(f"Invalid file name '{_shown(value)}' in an asset.")
    return value


def _prefix_parts(prefix: str) -> list[str]:
    parts = [p for p in prefix.strip("/").split("/") if p]
    for p in parts:
        check_name(p)
    return parts


def object_key(prefix: str, asset_id: str, name: str) -> str:
    """``prefix/asset_id/name`` with every part checked; never a leading slash."""
    return "/".join([*_prefix_parts(prefix), check_id(asset_id, "asset id"), check_name(name)])


def index_key(prefix: str, asset_id: str) -> str:
    """``prefix/.index/asset_id.json``: the small per-asset entry the gallery lists."""
    return "/".join([*_prefix_parts(prefix), ".index", check_id(asset_id, "asset id") + ".json"])


def job_key(prefix: str, job_id: str, rel: str) -> str:
    """``prefix/.jobs/job_id/rel`` for a job file (``rel`` may hold one folder, e.g.
    ``exports/model.glb``); every segment is checked."""
    segments = rel.split("/")
    if not 1 <= len(segments) <= 2:
        raise StorageError(f"Invalid job file path '{rel}'.")
    return "/".join(
        [*_prefix_parts(prefix), ".jobs", check_id(job_id, "job id"), *(check_name(s) for s in segments)]
    )
