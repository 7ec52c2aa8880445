"""The interface every 3D generation backend implements.

A generator is run as an iterator: it yields :class:`Progress` events and ends by yielding one
:class:`GenerationResult` (a mesh in memory or a model file on disk), or raises an error from
:mod:`core.errors`. It checks the :class:`CancelToken` between steps and raises
``JobCancelled`` when asked to stop. ``requirements()`` tells the UI what it needs and
``availability()`` whether that is present here, with the reason when it is not.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from core.errors import JobCancelled

if TYPE_CHECKING:
    from core.mesh.asset_mesh import AssetMesh
    from core.spec.model import AssetSpec


@dataclass(frozen=True)
class Progress:
    """One progress event: ``fraction`` in [0, 1] of the current step, and a short message."""

    fraction: float
    message: str
    step: str = "generate"


@dataclass
class GenerationResult:
    """What a generator produced: ``mesh`` (in memory) or ``file`` (e.g. a downloaded GLB)."""

    mesh: AssetMesh | None = None
    file: Path | None = None
    info: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Requirements:
    """What a backend needs to run: environment variables (API keys), packages, a GPU."""

    env: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    gpu: bool = False
    install_hint: str = ""


@dataclass(frozen=True)
class Availability:
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

    def raise_if_cancelled(self) -> None:
        """Raise ``JobCancelled`` if :meth:`cancel` was called."""
        if self._event.is_set():
            raise JobCancelled("The job was cancelled.", "Resume it to continue where it stopped.")


class Generator(ABC):
    """Base class of 3D generation backends (registered by name in :mod:`core.generators`)."""

    name: ClassVar[str]
    label: ClassVar[str]
    uses_seed: ClassVar[bool] = False  # True for backends that sample (the UI shows a seed)

    @classmethod
    def requirements(cls) -> Requirements:
        return Requirements()

    @classmethod
    def availability(cls) -> Availability:
        """Whether this backend can run here; the reason says what to do when it cannot."""
        return Availability(True)

    @abstractmethod
    def generate(
        self, spec: AssetSpec, *, seed: int = 0, cancel: CancelToken | None = None
    ) -> Iterator[Progress | GenerationResult]:
        """Yield progress events, then exactly one :class:`GenerationResult`."""
