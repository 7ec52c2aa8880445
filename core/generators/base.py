"""The interface every 3D generation backend implements.

A generator is run as an iterator: it yields :class:`Progress` events and ends by yielding one
:class:`GenerationResult` (a mesh in memory or a model file on disk), or raises an error from
:mod:`core.errors`. It checks the :class:`CancelToken` between steps and raises
``JobCancelled`` when asked to stop. ``requirements()`` tells the UI what it needs,
``availability()`` whether that is present here, with the reason when it is not, and
``info()`` all of it as one :class:`~core.schemas.BackendInfo` (what the pages read, through
:mod:`core.backends`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from core.schemas import BackendInfo
from core.types import Availability, CancelToken, Progress

__all__ = [
    "Availability",
    "CancelToken",
    "GenerationContext",
    "GenerationResult",
    "Generator",
    "Progress",
    "Requirements",
]

if TYPE_CHECKING:
    from core.config import Settings
    from core.mesh.asset_mesh import AssetMesh
    from core.spec.model import AssetSpec


@dataclass
class GenerationResult:
    """What a generator produced: ``mesh`` (in memory) or ``file`` (e.g. a downloaded GLB).

    ``lods`` are coarser versions of ``mesh`` (LOD1, LOD2, ... in the same frame) that the
    generator built itself, e.g. the procedural union re-tessellated with fewer sides (an
    empty list: ``mesh`` is the only LOD); None: the process step makes the LODs by
    simplifying ``mesh``.
    """

    mesh: AssetMesh | None = None
    file: Path | None = None
    info: dict = field(default_factory=dict)
    lods: list[AssetMesh] | None = None


@dataclass
class GenerationContext:
    """What the job gives a generator besides the spec.

    Attributes
    ----------
    workdir : Path
        A folder of the job where the generator may write files (downloads); kept on resume.
    state : dict
        JSON-serialisable state kept in the job checkpoint across attempts. A remote backend
        records its task ids here and calls :attr:`save_state` right after creating a task,
        so a resumed job polls the same task instead of paying for a second one.
    save_state : callable
        Writes the checkpoint (with ``state``) atomically.
    reference_image : Path or None
        A validated PNG to generate from (image-to-3D), or None for text-to-3D.
    """

    workdir: Path
    state: dict = field(default_factory=dict)
    save_state: Callable[[], None] = lambda: None
    reference_image: Path | None = None


@dataclass(frozen=True)
class Requirements:
    """What a backend needs to run: environment variables (API keys), packages, a GPU."""

    env: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    gpu: bool = False
    install_hint: str = ""


class Generator(ABC):
    """Base class of 3D generation backends (registered by name in :mod:`core.generators`).

    Capabilities are class attributes, so the UI asks them (:meth:`info`) and never matches
    backend names. An instance runs under ``settings`` (default: the settings in force).
    """

    name: ClassVar[str]
    label: ClassVar[str]
    uses_seed: ClassVar[bool] = False  # True for backends that sample (the UI shows a seed)
    seed_redraws_spec: ClassVar[bool] = False  # True: a new seed re-writes an unedited spec as a variant
    accepts_text: ClassVar[bool] = True  # True for backends that generate from the spec's text
    accepts_image: ClassVar[bool] = False  # True for backends that can generate from a reference image
    textured: ClassVar[bool] = False  # True for backends whose models carry image textures
    remote: ClassVar[bool] = False  # True for paid cloud services (credits, retention)

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings

    @property
    def settings(self) -> Settings:
        """The settings this generator runs under (given, else the settings in force)."""
        if self._settings is None:
            from core.config import get_settings

            return get_settings()
        return self._settings

    @classmethod
    def requirements(cls) -> Requirements:
        return Requirements()

    @classmethod
    def availability(cls) -> Availability:
        """Whether this backend can run here; the reason says what to do when it cannot."""
        return Availability(True)

    @classmethod
    def test_mode(cls) -> bool:
        """True when a remote backend would talk to its service with the service's published
        test key: results are sample models and nothing is charged."""
        return False

    @classmethod
    def info(cls) -> BackendInfo:
        """Capabilities and availability here, as one :class:`~core.schemas.BackendInfo`:
        ``needs_gpu`` and ``needs_key`` from :meth:`requirements`, ``sampling`` from
        ``uses_seed``, ``available``/``reason`` from :meth:`availability` and, when it cannot
        run, ``hint`` from the requirements' install hint."""
        req, avail = cls.requirements(), cls.availability()
        return BackendInfo(
            name=cls.name,
            label=cls.label,
            text=cls.accepts_text,
            image=cls.accepts_image,
            textured=cls.textured,
            needs_gpu=req.gpu,
            needs_key=bool(req.env),
            remote=cls.remote,
            sampling=cls.uses_seed,
            seed_redraws_spec=cls.seed_redraws_spec,
            test_mode=cls.test_mode(),
            available=avail.ok,
            reason=avail.reason,
            hint="" if avail.ok else req.install_hint,
        )

    @abstractmethod
    def generate(
        self,
        spec: AssetSpec,
        *,
        seed: int = 0,
        cancel: CancelToken | None = None,
        context: GenerationContext | None = None,
    ) -> Iterator[Progress | GenerationResult]:
        """Yield progress events, then exactly one :class:`GenerationResult`.

        ``context`` carries the job's work folder, resumable state and reference image; a
        backend that needs none of them may ignore it.
        """
