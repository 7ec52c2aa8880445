"""Topology checks as a slicer or a game engine sees a mesh: after welding coincident vertices.

A mesh written with split normals or UV seams holds several vertices at one position; counted
on vertex indices it may look open, or look closed while sheets touch. :func:`topology_report`
welds positions first (to ``tolerance`` metres), then counts, for every undirected edge, the
faces that use it: closed (watertight) means every edge has exactly two faces; an edge with
more than two is non-manifold (sheets pinched together).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TopologyReport:
    """Counts after welding: ``boundary_edges`` (one face), ``non_manifold_edges`` (more than
    two faces), ``degenerate_faces`` (two corners welded together), and whether the welded
    mesh is closed (``watertight``: no boundary or non-manifold edge)."""

    vertices: int
    faces: int
    boundary_edges: int
    non_manifold_edges: int
    degenerate_faces: int

    @property
    def watertight(self) -> bool:
        return self.boundary_edges == 0 and self.non_manifold_edges == 0 and self.faces > 0


def weld(vertices: np.ndarray, faces: np.ndarray, tolerance: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Merge vertices closer than about ``tolerance`` metres (grid snapping): positions (K, 3)
    and faces (M, 3) re-indexed."""
    v = np.asarray(vertices, np.float64)
    keys = np.round(v / tolerance).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return v[first], inverse.reshape(-1)[np.asarray(faces, np.int64)]


def topology_report(vertices: np.ndarray, faces: np.ndarray, tolerance: float = 1e-6) -> TopologyReport:
    """Weld ``vertices`` ((N, 3) metres) and count edges of ``faces`` ((M, 3) int)."""
    v, f = weld(vertices, faces, tolerance)
    degenerate = (f[:, 0] == f[:, 1]) | (f[:, 1] == f[:, 2]) | (f[:, 0] == f[:, 2])
    f = f[~degenerate]
    edges = np.sort(np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]]), axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    return TopologyReport(
        vertices=len(v),
        faces=len(f),
        boundary_edges=int((counts == 1).sum()),
        non_manifold_edges=int((counts > 2).sum()),
        degenerate_faces=int(degenerate.sum()),
    )


__all__ = ["TopologyReport", "topology_report", "weld"]
