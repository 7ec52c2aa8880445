"""The mesh that flows through the pipeline: triangles plus one PBR material per face."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import ConversionError
from core.fsutil import atomic_write_bytes
from core.mesh.color import hex_to_linear_rgba, hex_to_rgba
from core.spec.model import PBRMaterial

if TYPE_CHECKING:
    import trimesh


__all__ = ["AssetMesh", "gltf_factors", "hex_to_rgba"]


def gltf_factors(mat: PBRMaterial) -> dict:
    """The glTF 2.0 factors of a spec material, **linear** floats from the spec's sRGB hex
    colours (see :mod:`core.mesh.color`).

    ``baseColorFactor`` (4,) in [0, 1]; ``emissiveFactor`` (3,) in [0, 1]: the emissive colour
    times ``min(emissive_strength, 1)``; ``emissiveStrength``: ``emissive_strength`` when it is
    above 1 (written with ``KHR_materials_emissive_strength``, which multiplies the factor),
    else None.
    """
    strength = float(mat.emissive_strength)
    emissive = hex_to_linear_rgba(mat.emissive)[:3]
    return {
        "baseColorFactor": list(hex_to_linear_rgba(mat.base_color, mat.opacity)),
        "emissiveFactor": [c * min(strength, 1.0) for c in emissive],
        "emissiveStrength": strength if strength > 1.0 and any(emissive) else None,
    }


def _trimesh_material(mat: PBRMaterial, tex=None):
    """A ``trimesh`` PBR material for spec material ``mat``: linear factors, or with ``tex``
    (a ``MaterialTextures``) its decoded images and factors that leave them as they are."""
    from PIL import Image
    from trimesh.visual.material import PBRMaterial as TriPBR

    factors = gltf_factors(mat)
    kwargs = {
        "name": mat.name,
        "baseColorFactor": factors["baseColorFactor"],
        "metallicFactor": mat.metallic,
        "roughnessFactor": mat.roughness,
        "emissiveFactor": factors["emissiveFactor"],
        "alphaMode": "BLEND" if mat.opacity < 1.0 else "OPAQUE",
        "doubleSided": False,
    }
    if tex is not None:
        maps = tex.textures
        images = {n: Image.open(io.BytesIO(b)) for n, b in maps.maps().items()}
        kwargs.update(baseColorFactor=[1.0, 1.0, 1.0, 1.0], metallicFactor=1.0, roughnessFactor=1.0)
        kwargs.update(baseColorTexture=images["base_color"], metallicRoughnessTexture=images["orm"])
        kwargs.update(occlusionTexture=images["orm"], normalTexture=images["normal"])
        if "emissive" in images and any(factors["emissiveFactor"]):
            kwargs.update(emissiveTexture=images["emissive"])
            kwargs["emissiveFactor"] = [min(float(mat.emissive_strength), 1.0)] * 3
    return TriPBR(**kwargs)


@dataclass
class AssetMesh:
    """A triangle mesh whose faces each carry a material.

    Attributes
    ----------
    vertices : (n, 3) float64
        Positions in metres, +Y up.
    faces : (m, 3) int64
        Vertex indices, counter-clockwise seen from outside.
    face_material : (m,) int32
        Index into ``materials`` for every face.
    materials : list of PBRMaterial
        glTF metallic-roughness materials.
    uvs : (n, 2) float32 or None
        Surface coordinates in **metres** (u across, v along the part's long axis); texture
        coordinates are ``uvs / tile_m`` of each face's material (:mod:`core.mesh.texturing`).
        Vertices are split where UVs or normals differ, so positions repeat at seams.
    normals : (n, 3) float32 or None
        Unit vertex normals, split by angle (smooth round parts, crisp box edges); None:
        viewers shade faces flat.
    """

    vertices: np.ndarray
    faces: np.ndarray
    face_material: np.ndarray
    materials: list[PBRMaterial]
    uvs: np.ndarray | None = None
    normals: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.vertices = np.asarray(self.vertices, dtype=np.float64).reshape(-1, 3)
        self.faces = np.asarray(self.faces, dtype=np.int64).reshape(-1, 3)
        self.face_material = np.asarray(self.face_material, dtype=np.int32).reshape(-1)
        if len(self.faces) == 0 or len(self.vertices) == 0:
            raise ConversionError("The mesh is empty (no faces).")
        if len(self.face_material) != len(self.faces):
            raise ConversionError("face_material must have one entry per face.")
        if self.faces.min() < 0 or self.faces.max() >= len(self.vertices):
            raise ConversionError("The mesh has face indices outside its vertex list.")
        if self.face_material.min() < 0 or self.face_material.max() >= len(self.materials):
            raise ConversionError("The mesh has faces pointing at a missing material.")
        if not np.isfinite(self.vertices).all():
            raise ConversionError("The mesh has NaN or infinite vertex positions.")
        for name, width in (("uvs", 2), ("normals", 3)):
            value = getattr(self, name)
            if value is None:
                continue
            value = np.asarray(value, dtype=np.float32).reshape(-1, width)
            if len(value) != len(self.vertices) or not np.isfinite(value).all():
                raise ConversionError(f"The mesh's {name} must be finite, one per vertex.")
            setattr(self, name, value)

    @property
    def material_names(self) -> list[str]:
        return [m.name for m in self.materials]

    # --- conversions -------------------------------------------------------------------------
    def to_trimesh(self) -> trimesh.Trimesh:
        """One ``trimesh.Trimesh`` with per-face colours (base colour of each face's material,
        sRGB) and the vertex normals when the mesh has them."""
        import trimesh

        colors = np.array(
            [np.array(hex_to_rgba(m.base_color, m.opacity)) * 255 for m in self.materials],
            dtype=np.uint8,
        )
        return trimesh.Trimesh(
            self.vertices,
            self.faces,
            face_colors=colors[self.face_material],
            vertex_normals=self.normals,
            process=False,
        )

    def to_scene(self, textures: dict | None = None) -> trimesh.Scene:
        """A ``trimesh.Scene`` with one mesh per material, each with a glTF PBR material whose
        factors are linear (:func:`gltf_factors`; trimesh keeps ``baseColorFactor`` as uint8)
        and the vertex normals when the mesh has them.

        ``textures``: ``{material index: MaterialTextures}``
        (:func:`core.mesh.texturing.mesh_textures`); those materials get UVs ``uvs / tile_m``
        (trimesh's convention, v up) and the base-colour, ORM, normal and emissive images
        (decoded, so exporting through trimesh encodes them again; the workbench's glTF writer,
        :mod:`core.mesh.formats.gltf`, embeds the PNG bytes instead).
        """
        import trimesh

        scene = trimesh.Scene()
        for idx, mat in enumerate(self.materials):
            mask = self.face_material == idx
            if not mask.any():
                continue
            used, local = np.unique(self.faces[mask], return_inverse=True)
            normals = None if self.normals is None else self.normals[used]
            sub = trimesh.Trimesh(
                self.vertices[used], local.reshape(-1, 3), vertex_normals=normals, process=False
            )
            tex = (textures or {}).get(idx)
            uv = None
            if tex is not None and self.uvs is not None:
                uv = self.uvs[used].astype(np.float64) / tex.tile_m
                uv[:, 1] = 1.0 - uv[:, 1]
            sub.visual = trimesh.visual.TextureVisuals(uv=uv, material=_trimesh_material(mat, tex))
            scene.add_geometry(sub, node_name=mat.name, geom_name=mat.name)
        return scene

    # --- persistence (pipeline intermediates) -----------------------------------------------
    def save_npz(self, path: Path) -> None:
        """Write vertices, faces, face materials and materials to ``path`` atomically."""
        buf = io.BytesIO()
        mats = json.dumps([m.model_dump(mode="json") for m in self.materials])
        np.savez_compressed(
            buf,
            vertices=self.vertices,
            faces=self.faces,
            face_material=self.face_material,
            materials=np.frombuffer(mats.encode(), dtype=np.uint8),
            **{k: v for k, v in (("uvs", self.uvs), ("normals", self.normals)) if v is not None},
        )
        atomic_write_bytes(Path(path), buf.getvalue())

    @classmethod
    def load_npz(cls, path: Path) -> AssetMesh:
        """Read a mesh written by :meth:`save_npz`; raises ``ConversionError`` if unreadable."""
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                mats = json.loads(bytes(data["materials"]).decode())
                return cls(
                    data["vertices"],
                    data["faces"],
                    data["face_material"],
                    [PBRMaterial.model_validate(m) for m in mats],
                    uvs=data["uvs"] if "uvs" in data.files else None,
                    normals=data["normals"] if "normals" in data.files else None,
                )
        except (OSError, KeyError, ValueError) as e:
            raise ConversionError(f"Cannot read mesh file {path}: {e}") from e
