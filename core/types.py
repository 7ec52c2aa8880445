"""Neutral types every layer may import: progress events, cancellation, availability, the clock.

They used to live in :mod:`core.generators.base` (and the clock in :mod:`core.jobs.checkpoint`),
which made ``ml``, ``spec`` and the remote backends import the generator or job layers for a
dataclass. This module imports nothing from ``core`` but :mod:`core.errors`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from core.errors import JobCancelled

# how an asset's exports look: procedural texture size in pixels (0: flat colours), and the
# collision mesh (none, one convex hull, a convex decomposition with CoACD)
TEXTURE_SIZE_CHOICES: tuple[int, ...] = (0, 512, 1024, 2048)
COLLISION_MODES: tuple[str, ...] = ("none", "hull", "decomposition")


@dataclass(frozen=True)
class Progress:
    """One progress event: ``fraction`` in [0, 1] of the current step, and a short message."""

    fraction: float
    message: str
    step: str = "generate"


@dataclass(frozen=True)
class Availability:
    """Whether a backend, writer or tool can run here; ``reason`` says why not (or how)."""

    ok: bool
    reason: str = ""


class CancelToken:
    """Thread-safe cancel flag shared by the job runner and the UI."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; returns True (early) if the job was cancelled meanwhile."""
        return self._event.wait(max(0.0, seconds))

    def raise_if_cancelled(self) -> None:
        """Raise ``JobCancelled`` if :meth:`cancel` was called."""
        if self._event.is_set():
            raise JobCancelled("The job was cancelled.", "Resume it to continue where it stopped.")


def now() -> str:
    """The current time, UTC, ISO 8601 with milliseconds (checkpoints, metadata, remote tasks)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")
