"""3D generation backends, by name. Import a backend only through :data:`GENERATORS`; the
pages read capabilities through :mod:`core.backends`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import UnknownBackendError
from core.generators.base import Generator
from core.registry import Entry, LazyRegistry

if TYPE_CHECKING:
    from core.config import Settings

GENERATORS: LazyRegistry[type[Generator]] = LazyRegistry(
    "generator",
    {
        "procedural": Entry("core.generators.procedural:ProceduralGenerator"),
        "meshy": Entry("core.generators.meshy:MeshyGenerator"),
        "tripo": Entry("core.generators.tripo:TripoGenerator"),
        "shap_e": Entry("core.generators.shap_e:ShapEGenerator"),
        "point_e": Entry("core.generators.point_e:PointEGenerator"),
    },
    unknown_error=UnknownBackendError,
)


def get_generator(name: str, settings: Settings | None = None) -> Generator:
    """An instance of the generator called ``name``, running under ``settings`` (default: the
    settings in force). Raises as :meth:`LazyRegistry.get`: ``UnknownBackendError`` or
    ``BackendUnavailable``."""
    return GENERATORS.get(name)(settings=settings)
