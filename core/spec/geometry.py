"""Geometry of a spec's parts, without building meshes (fast, numpy only)."""

from __future__ import annotations


def parts_bbox(parts: list[dict]) -> tuple[list[float], list[float]]:
    """Axis-aligned bounds (min, max), metres, of the parts' rotated boxes; exact for
    rotations in steps of 90 degrees, a slight over-estimate otherwise."""
    import numpy as np  # local: keep `import core` light

    lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
    signs = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)
    for p in parts:
        corners = signs * (np.asarray(p["size"]) / 2)
        rx, ry, rz = np.radians(p["rotation"])
        cx, sx, cy, sy, cz, sz = np.cos(rx), np.sin(rx), np.cos(ry), np.sin(ry), np.cos(rz), np.sin(rz)
        rot = (
            np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
            @ np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
            @ np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
        )
        pts = corners @ rot.T + np.asarray(p["position"])
        lo, hi = np.minimum(lo, pts.min(0)), np.maximum(hi, pts.max(0))
    return lo.tolist(), hi.tolist()


def refit_dimensions(old: dict, new: dict) -> dict:
    """After the parts of a spec changed (``old`` -> ``new``, both spec dicts), scale
    ``new["dimensions"]`` by how much the parts' bounding box changed, so a longer blade
    makes a longer sword instead of being squeezed back into the old size. Returns ``new``.
    """
    if old["parts"] == new["parts"]:
        return new
    try:
        lo0, hi0 = parts_bbox(old["parts"])
        lo1, hi1 = parts_bbox(new["parts"])
    except (KeyError, TypeError, ValueError):
        return new  # invalid parts: validation will say what is wrong
    for k, axis in enumerate(("width", "height", "depth")):
        before, after = hi0[k] - lo0[k], hi1[k] - lo1[k]
        if before > 0 and after > 0:
            new["dimensions"][axis] = round(new["dimensions"][axis] * after / before, 5)
    return new
