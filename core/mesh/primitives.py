"""Closed, outward-facing triangle meshes for the spec's primitives (metres, +Y up).

Every builder returns a watertight mesh that fills the box ``size`` centred on the origin,
with round shapes' axis along +Y. ``segments`` is the number of sides of round shapes.
"""

from __future__ import annotations

import math

import numpy as np
import trimesh

from core.errors import SpecError

_TO_Y = trimesh.transformations.rotation_matrix(-math.pi / 2, [1, 0, 0])  # +Z axis -> +Y axis


def _fit(mesh: trimesh.Trimesh, size) -> trimesh.Trimesh:
    """Scale ``mesh`` (any extents) so its bounding box equals ``size``, centred at the origin."""
    lo, hi = mesh.bounds
    mesh.apply_translation(-(lo + hi) / 2)
    mesh.apply_scale(np.asarray(size, float) / np.maximum(hi - lo, 1e-12))
    return mesh


def _from_arrays(vertices, faces) -> trimesh.Trimesh:
    mesh = trimesh.Trimesh(np.asarray(vertices, float), np.asarray(faces), process=True)
    mesh.fix_normals()
    return mesh


def box(size, segments: int) -> trimesh.Trimesh:
    return trimesh.creation.box(extents=size)


def cylinder(size, segments: int) -> trimesh.Trimesh:
    m = trimesh.creation.cylinder(radius=0.5, height=1.0, sections=segments)
    return _fit(m.apply_transform(_TO_Y), size)


def cone(size, segments: int) -> trimesh.Trimesh:
    m = trimesh.creation.cone(radius=0.5, height=1.0, sections=segments)
    return _fit(m.apply_transform(_TO_Y), size)


def sphere(size, segments: int) -> trimesh.Trimesh:
    m = trimesh.creation.uv_sphere(radius=0.5, count=[max(segments // 2, 3), segments])
    return _fit(m.apply_transform(_TO_Y), size)


def hemisphere(size, segments: int) -> trimesh.Trimesh:
    """Dome: flat face at the bottom of the box, apex at the top."""
    n = max(segments // 4, 2)
    arc = [(0.5 * math.cos(a), 0.5 * math.sin(a)) for a in np.linspace(0, math.pi / 2, n + 1)]
    profile = np.array([(0.0, 0.0), *arc])
    profile[-1, 0] = 0.0
    m = trimesh.creation.revolve(profile, sections=segments)
    return _fit(m.apply_transform(_TO_Y), size)


def capsule(size, segments: int) -> trimesh.Trimesh:
    """Cylinder with hemispherical ends; the caps' radius is half the smaller of x and z."""
    radius = min(size[0], size[2]) / 2
    length = max(size[1] - 2 * radius, 0.0)
    m = trimesh.creation.capsule(height=length, radius=radius, count=[segments, segments])
    return _fit(m.apply_transform(_TO_Y), size)


def torus(size, segments: int) -> trimesh.Trimesh:
    """Ring around +Y: outer diameter ``size[0]`` (x) and ``size[2]`` (z), tube ``size[1]`` thick.

    The tube radius is clamped to a quarter of the outer diameter so the ring never
    self-intersects.
    """
    outer = size[0] / 2
    minor = min(size[1] / 2, outer / 2 * 0.98)
    major = outer - minor
    m = trimesh.creation.torus(
        major_radius=major,
        minor_radius=minor,
        major_sections=segments,
        minor_sections=max(segments // 2, 4),
    )
    return _fit(m.apply_transform(_TO_Y), (size[0], 2 * minor, size[2]))


def pyramid(size, segments: int) -> trimesh.Trimesh:
    """Square pyramid, apex up."""
    v = [(-0.5, -0.5, -0.5), (0.5, -0.5, -0.5), (0.5, -0.5, 0.5), (-0.5, -0.5, 0.5), (0, 0.5, 0)]
    f = [(0, 1, 2), (0, 2, 3), (0, 4, 1), (1, 4, 2), (2, 4, 3), (3, 4, 0)]
    return _fit(_from_arrays(v, f), size)


def wedge(size, segments: int) -> trimesh.Trimesh:
    """Triangular prism (gable roof): rectangular base, ridge along X at the top."""
    v = [
        (-0.5, -0.5, -0.5),
        (0.5, -0.5, -0.5),
        (0.5, -0.5, 0.5),
        (-0.5, -0.5, 0.5),
        (-0.5, 0.5, 0.0),
        (0.5, 0.5, 0.0),
    ]
    f = [(0, 1, 2), (0, 2, 3), (0, 4, 5), (0, 5, 1), (3, 2, 5), (3, 5, 4), (0, 3, 4), (1, 5, 2)]
    return _fit(_from_arrays(v, f), size)


BUILDERS = {
    "box": box,
    "cylinder": cylinder,
    "cone": cone,
    "sphere": sphere,
    "hemisphere": hemisphere,
    "capsule": capsule,
    "torus": torus,
    "pyramid": pyramid,
    "wedge": wedge,
}
ROUND = {"cylinder", "cone", "sphere", "hemisphere", "capsule", "torus"}


def build_primitive(primitive: str, size, segments: int) -> trimesh.Trimesh:
    """Build one primitive mesh of ``size`` (x, y, z) metres centred on the origin.

    Raises
    ------
    SpecError
        Unknown primitive name (lists the known ones).
    """
    try:
        builder = BUILDERS[primitive]
    except KeyError:
        raise SpecError(
            f"Unknown primitive '{primitive}'.", f"Use one of {', '.join(sorted(BUILDERS))}."
        ) from None
    return builder(tuple(float(s) for s in size), int(segments))
