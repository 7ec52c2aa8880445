"""Build a template into a spec and a mesh, and check what a studio's template must satisfy.

Used by ``python -m core templates check DIR`` and by the tests, which run it over every
template of the library (so a new template is tested by being added).
"""

from __future__ import annotations

from core.errors import WorkbenchError
from core.spec.assemble import instance_materials, measure, spec_materials
from core.spec.compose import evaluate, merge, sample_params
from core.spec.model import AssetSpec
from core.spec.template_model import CompiledTemplate


def template_spec(
    t: CompiledTemplate, seed: int | None = None, words: frozenset[str] = frozenset()
) -> AssetSpec:
    """The spec of ``t`` alone, at its defaults (or a seeded variant).

    Raises
    ------
    SpecError
        The template evaluates to an invalid spec (the message names the field).
    """
    from core.spec.io import parse_spec

    inst = evaluate(t, sample_params(t, seed), words, seed)
    mats = instance_materials(inst)
    parts, _ = merge([inst], inst)
    parts, dims, _ = measure(parts)
    data = {
        "name": t.name.replace("_", " ").title(),
        "category": t.tpl.category.value,
        "archetype": t.name,
        "short_description": t.tpl.summary,
        "dimensions": {"width": dims[0], "height": dims[1], "depth": dims[2]},
        "materials": spec_materials(mats),
        "parts": parts,
        "technical": {"target_polycount": t.tpl.polycount, "lod_count": 1},
    }
    return parse_spec(data)


def weld_report(vertices, faces) -> dict:
    """Topology after welding coincident vertices (as an engine or slicer does).

    Parameters
    ----------
    vertices : (n, 3) float, metres
    faces : (m, 3) int

    Returns
    -------
    dict
        ``watertight`` (bool), ``edges_over_two`` (edges shared by more than two faces),
        ``bodies`` (connected components), ``faces`` (count).
    """
    import numpy as np
    import trimesh

    mesh = trimesh.Trimesh(vertices, faces, process=False)
    mesh.merge_vertices(merge_tex=True, merge_norm=True)
    edges = np.sort(mesh.edges, axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    return {
        "watertight": bool(mesh.is_watertight),
        "edges_over_two": int((counts > 2).sum()),
        "bodies": int(mesh.body_count),
        "faces": len(mesh.faces),
    }


def check_template(t: CompiledTemplate, seeds: tuple[int, ...] = (0, 1, 2)) -> list[str]:
    """Problems of ``t``: for each seed, the spec must validate and its procedural mesh must be
    watertight after welding with no edge shared by more than two faces, within the
    template's polycount. Empty when fine."""
    from core.generators.procedural import build_parts_mesh
    from core.mesh.asset_mesh import AssetMesh

    problems = []
    for seed in seeds:
        try:
            spec = template_spec(t, seed)
            mesh = next(m for m in build_parts_mesh(spec) if isinstance(m, AssetMesh))
        except WorkbenchError as e:
            problems.append(f"seed {seed}: {e}")
            continue
        rep = weld_report(mesh.vertices, mesh.faces)
        if not rep["watertight"] or rep["edges_over_two"]:
            problems.append(
                f"seed {seed}: mesh not watertight after welding "
                f"({rep['edges_over_two']} edges shared by more than two faces)"
            )
        if len(mesh.faces) > spec.technical.target_polycount:
            problems.append(
                f"seed {seed}: {len(mesh.faces)} triangles even with the fewest sides, over the "
                f"template's polycount {spec.technical.target_polycount}: raise its polycount"
            )
        dims = spec.dimensions.as_tuple()
        if max(dims) < 0.005:
            problems.append(f"seed {seed}: smaller than 5 mm ({dims})")
    return problems
