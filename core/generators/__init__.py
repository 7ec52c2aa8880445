"""3D generation backends, by name. Import a backend only through :data:`GENERATORS`."""

from __future__ import annotations

from core.registry import Entry, LazyRegistry

GENERATORS: LazyRegistry = LazyRegistry(
    "generator",
    {
        "procedural": Entry("core.generators.procedural:ProceduralGenerator"),
        "meshy": Entry("core.generators.meshy:MeshyGenerator"),
        "tripo": Entry("core.generators.tripo:TripoGenerator"),
        "shap_e": Entry("core.generators.shap_e:ShapEGenerator"),
        "point_e": Entry("core.generators.point_e:PointEGenerator"),
    },
)


def get_generator(name: str):
    """An instance of the generator called ``name`` (see :class:`LazyRegistry.get` errors)."""
    return GENERATORS.get(name)()
