"""Textured models read from glTF binary files (what Meshy and Tripo deliver).

A :class:`TexturedMesh` keeps each glTF mesh primitive as a ``trimesh.Trimesh`` with its UVs
and PBR material (base colour, metallic-roughness, normal and emissive textures), with the
scene's node transforms baked in. It offers the same surface as
:class:`~core.mesh.asset_mesh.AssetMesh` where the pipeline needs one (``vertices``,
``faces``, ``material_names``, ``to_scene``, ``to_trimesh``), so processing, export and
thumbnails treat both alike and textures survive to GLB, glTF, OBJ and FBX.

GLB layout: https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html#binary-gltf-layout
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import InvalidModelFile
from core.fsutil import atomic_write_bytes

if TYPE_CHECKING:
    import trimesh

    from core.mesh.gltf_sources import SourceMaterial

GLB_MAGIC = b"glTF"
MAX_FACES = 5_000_000


@dataclass
class TexturedMesh:
    """Triangle meshes with UVs and PBR materials, in metres, +Y up.

    Attributes
    ----------
    geometries : list of trimesh.Trimesh
        One per glTF primitive, node transforms applied, each with ``TextureVisuals``
        (or colour visuals when the file has no UVs).
    """

    geometries: list[trimesh.Trimesh]
    # the GLB this model was read from, unchanged since: exporting to GLB copies its bytes
    # instead of encoding every texture again (slow, and lossy for JPEG textures)
    source: Path | None = None
    # per geometry, its material as read with its encoded images (core.mesh.gltf_sources):
    # a changed model (scaled, simplified) is written with those bytes, not re-encoded
    materials: list[SourceMaterial | None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        materials = self.materials or [None] * len(self.geometries)
        kept = [(g, m) for g, m in zip(self.geometries, materials, strict=True) if len(g.faces)]
        if not kept:
            raise InvalidModelFile("The model has no triangles.")
        self.geometries = [g for g, _ in kept]
        self.materials = [m for _, m in kept] if self.materials is not None else None

    # --- the AssetMesh-like surface --------------------------------------------------------
    @property
    def vertices(self) -> np.ndarray:
        """(n, 3) float64 positions of every geometry, metres."""
        return np.vstack([g.vertices for g in self.geometries])

    @property
    def faces(self) -> np.ndarray:
        """(m, 3) int64 indices into :attr:`vertices`."""
        out, offset = [], 0
        for g in self.geometries:
            out.append(np.asarray(g.faces, np.int64) + offset)
            offset += len(g.vertices)
        return np.vstack(out)

    @property
    def material_names(self) -> list[str]:
        names = []
        for i, g in enumerate(self.geometries):
            mat = getattr(g.visual, "material", None)
            names.append(getattr(mat, "name", None) or f"material_{i}")
        return names

    @property
    def has_texture(self) -> bool:
        return any(_base_color_image(g) is not None for g in self.geometries)

    def to_scene(self) -> trimesh.Scene:
        """A ``trimesh.Scene`` with one node per geometry, materials and textures kept, vertex
        colours converted to linear for glTF ``COLOR_0`` (:mod:`core.mesh.color`)."""
        import trimesh

        scene = trimesh.Scene()
        for i, (g, name) in enumerate(zip(self.geometries, self.material_names, strict=True)):
            scene.add_geometry(_linear_colors(g.copy()), node_name=f"{name}_{i}", geom_name=f"{name}_{i}")
        return scene

    def to_trimesh(self) -> trimesh.Trimesh:
        """One mesh with per-vertex RGBA colours sampled from the base-colour textures (for
        PLY, STL and thumbnails)."""
        import trimesh

        parts = []
        for g in self.geometries:
            colored = trimesh.Trimesh(g.vertices, g.faces, process=False)
            colored.visual = _vertex_colors(g)
            parts.append(colored)
        return parts[0] if len(parts) == 1 else trimesh.util.concatenate(parts)

    def transformed(self, matrix: np.ndarray) -> TexturedMesh:
        """A copy with the (4, 4) ``matrix`` applied to every geometry."""
        out = []
        for g in self.geometries:
            c = g.copy()
            c.apply_transform(matrix)
            out.append(c)
        return TexturedMesh(out, materials=self.materials)

    # --- files ------------------------------------------------------------------------------
    @property
    def keeps_sources(self) -> bool:
        """Whether every geometry has its source material (:mod:`core.mesh.gltf_sources`), so
        the model is written with the images it was read with."""
        return self.materials is not None and all(m is not None for m in self.materials)

    def gltf_bytes(self, binary: bool = True) -> bytes:
        """The model as binary glTF (``binary``) or one .gltf JSON file with its buffer and
        images embedded: with the images it was read with, byte for byte, when it
        :attr:`keeps_sources`, else through trimesh's exporter (which encodes every texture
        again as PNG)."""
        if self.keeps_sources:
            from core.mesh.gltf_sources import textured_builder

            names = [f"{name}_{i}" for i, name in enumerate(self.material_names)]
            builder = textured_builder(self.geometries, self.materials, names)
            return builder.glb() if binary else builder.gltf()
        if binary:
            return self.to_scene().export(file_type="glb")
        from trimesh.exchange.gltf import export_gltf

        return export_gltf(self.to_scene(), embed_buffers=True)["model.gltf"]

    def save_glb(self, path: Path) -> Path:
        """Write as binary glTF (atomic); used for pipeline intermediates and GLB export."""
        atomic_write_bytes(Path(path), self.gltf_bytes())
        return Path(path)

    @classmethod
    def load_glb(cls, path: Path, max_faces: int = MAX_FACES) -> TexturedMesh:
        """Read and validate a GLB file; see :func:`read_glb`."""
        try:
            data = Path(path).read_bytes()
        except OSError as e:
            raise InvalidModelFile(f"Cannot read model file {path}: {e}") from e
        model = read_glb(data, max_faces=max_faces)
        model.source = Path(path)
        return model


def check_glb_header(data: bytes) -> None:
    """Raise ``InvalidModelFile`` unless ``data`` starts like a glTF 2.0 binary whose
    declared length matches."""
    if len(data) < 20:
        raise InvalidModelFile(f"The model file is {len(data)} bytes: too short to be a GLB.")
    magic, version, length = struct.unpack_from("<4sII", data)
    if magic != GLB_MAGIC:
        raise InvalidModelFile("The model file is not a GLB (no 'glTF' magic).")
    if version != 2:
        raise InvalidModelFile(f"The GLB is glTF version {version}; only 2 is supported.")
    if length != len(data):
        raise InvalidModelFile(f"The GLB declares {length} bytes but has {len(data)} (truncated?).")


def read_glb(data: bytes, max_faces: int = MAX_FACES) -> TexturedMesh:
    """Parse GLB bytes into a :class:`TexturedMesh`.

    Parameters
    ----------
    data : bytes
        A glTF 2.0 binary.
    max_faces : int
        Refuse models with more triangles than this.

    Raises
    ------
    InvalidModelFile
        Not a GLB, truncated, unparsable, no triangles, too many triangles, NaN positions.
    """
    import trimesh

    from core.mesh.gltf_sources import source_of, tag_materials

    check_glb_header(data)
    tagged, sources = tag_materials(data)
    try:
        scene = trimesh.load(io.BytesIO(tagged), file_type="glb", force="scene")
    except Exception as e:  # trimesh raises many types for malformed files
        raise InvalidModelFile(f"The GLB could not be parsed: {type(e).__name__}: {e}") from e
    geometries, materials = [], []
    for node in scene.graph.nodes_geometry:
        transform, geom_name = scene.graph[node]
        geom = scene.geometry.get(geom_name)
        if not isinstance(geom, trimesh.Trimesh) or not len(geom.faces):
            continue
        g = geom.copy()
        g.apply_transform(transform)
        materials.append(source_of(g, sources))
        geometries.append(_srgb_colors(g))
    model = TexturedMesh(geometries, materials=materials)
    n_faces = sum(len(g.faces) for g in model.geometries)
    if n_faces > max_faces:
        raise InvalidModelFile(f"The model has {n_faces} triangles; the limit is {max_faces}.")
    if not np.isfinite(model.vertices).all():
        raise InvalidModelFile("The model has NaN or infinite vertex positions.")
    return model


def _linear_colors(g):
    """``g`` with its vertex colours (sRGB in memory) converted to linear for glTF."""
    import trimesh

    from core.mesh.color import srgb8_to_linear8

    if getattr(g.visual, "kind", None) in ("vertex", "face"):
        g.visual = trimesh.visual.ColorVisuals(g, vertex_colors=srgb8_to_linear8(g.visual.vertex_colors))
    return g


def _srgb_colors(g):
    """``g`` read from glTF with its vertex colours (linear ``COLOR_0``) converted to sRGB."""
    import trimesh

    from core.mesh.color import linear8_to_srgb8

    if getattr(g.visual, "kind", None) in ("vertex", "face"):
        g.visual = trimesh.visual.ColorVisuals(g, vertex_colors=linear8_to_srgb8(g.visual.vertex_colors))
    return g


def _base_color_image(g):
    mat = getattr(g.visual, "material", None)
    return getattr(mat, "baseColorTexture", None) if mat is not None else None


def _vertex_colors(g):
    """ColorVisuals for ``g``: texture sampled at each vertex's UV, else the material colour."""
    import trimesh

    visual = g.visual
    if getattr(visual, "kind", None) == "texture" and getattr(visual, "uv", None) is not None:
        return visual.to_color()
    if isinstance(visual, trimesh.visual.ColorVisuals):
        return visual.copy()
    from core.mesh.color import linear_to_srgb

    mat = getattr(visual, "material", None)
    factor = getattr(mat, "baseColorFactor", None)
    if factor is None:
        rgba = np.array([200, 200, 200, 255], dtype=float)
    else:  # glTF factors are linear; vertex colours here are sRGB
        rgba = np.asarray(factor, dtype=float).reshape(4)
        rgba = rgba / 255.0 if rgba.max() > 1.0 else rgba
        rgba = np.round(np.array([*linear_to_srgb(rgba[:3]), rgba[3]]) * 255)
    return trimesh.visual.ColorVisuals(vertex_colors=np.tile(rgba.astype(np.uint8), (len(g.vertices), 1)))
