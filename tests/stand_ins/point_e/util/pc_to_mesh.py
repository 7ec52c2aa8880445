from dataclasses import dataclass

import numpy as np
from skimage.measure import marching_cubes

from point_e import CALLS


@dataclass
class TriMesh:
    verts: np.ndarray
    faces: np.ndarray
    vertex_channels: dict


def marching_cubes_mesh(
    pc, model, batch_size=4096, grid_size=128, side_length=1.02, fill_vertex_channels=True, progress=False
):
    CALLS.append(("marching_cubes_mesh", {"grid_size": grid_size}))
    radius = float(np.linalg.norm(pc.coords, axis=1).mean())
    axis = np.linspace(-side_length / 2, side_length / 2, grid_size)
    x, y, z = np.meshgrid(axis, axis, axis, indexing="ij")
    verts, faces, _, _ = marching_cubes(radius - np.sqrt(x**2 + y**2 + z**2), level=0.0)
    verts = verts / (grid_size - 1) * side_length - side_length / 2
    colour = (verts - verts.min(0)) / np.ptp(verts, axis=0)
    return TriMesh(verts, faces, {"R": colour[:, 0], "G": colour[:, 1], "B": colour[:, 2]})
