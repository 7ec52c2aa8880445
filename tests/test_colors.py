"""Colour spaces: the spec's sRGB colours are written to glTF as linear factors (GLB, glTF,
and through them FBX), to MTL as sRGB, and survive a re-import in trimesh and Blender. The
factor tests export flat colours (``TEXTURE_SIZE=0``); textured exports, where the maps carry
the colour, are tested in tests/test_textured_export.py."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
import trimesh
from conftest import run_in_blender

from core.generators import get_generator
from core.mesh.color import (
    hex_to_linear_rgba,
    hex_to_srgb,
    linear_to_hex,
    linear_to_srgb,
    srgb_to_linear,
)
from core.mesh.formats import export_all
from core.spec.builtin import BuiltinSpecWriter


def _glb_json(path) -> dict:
    data = path.read_bytes()
    (length,) = struct.unpack("<I", data[12:16])
    return json.loads(data[20 : 20 + length])


def _mesh(description: str):
    spec = BuiltinSpecWriter().write(description).spec
    return spec, list(get_generator("procedural").generate(spec))[-1].mesh


def test_transfer_functions_match_the_srgb_standard():
    # IEC 61966-2-1 reference points: the linear segment, the knee, mid-grey and white
    assert srgb_to_linear(0.0) == 0.0 and srgb_to_linear(1.0) == pytest.approx(1.0)
    assert srgb_to_linear(0.04045) == pytest.approx(0.04045 / 12.92)
    assert srgb_to_linear(0.5) == pytest.approx(0.21404, abs=1e-5)
    # the brown wood: 0.545 in sRGB is about 0.26 in linear light
    assert hex_to_linear_rgba("#8b5a2b") == pytest.approx((0.2582, 0.1022, 0.0242, 1.0), abs=1e-4)


def test_every_8_bit_value_round_trips_through_linear():
    levels = np.arange(256) / 255.0
    assert np.allclose(linear_to_srgb(srgb_to_linear(levels)), levels, atol=1e-9)
    for v in range(256):
        hex_color = f"#{v:02x}{255 - v:02x}{(v * 7) % 256:02x}"
        assert linear_to_hex(hex_to_linear_rgba(hex_color)[:3]) == hex_color


def test_bad_hex_is_refused():
    for bad in ("8b5a2b", "#8b5a2", "#zzzzzz", "", None):
        with pytest.raises(ValueError):
            hex_to_srgb(bad)


def test_glb_and_gltf_factors_are_linear_and_exact(tmp_path, configure):
    configure(texture_size=0)
    spec, mesh = _mesh("wooden crate")
    written = export_all(mesh, ["glb", "gltf"], tmp_path)
    for doc in (_glb_json(written["glb"][0]), json.loads(written["gltf"][0].read_text())):
        by_name = {m["name"]: m for m in doc["materials"]}
        for mat in spec.materials:
            factor = by_name[mat.name]["pbrMetallicRoughness"]["baseColorFactor"]
            assert factor == pytest.approx(hex_to_linear_rgba(mat.base_color, mat.opacity), abs=1e-9)
            # and not the sRGB value written as is (the bug: #8b5a2b -> 0.545)
            assert factor[0] < hex_to_srgb(mat.base_color)[0] or hex_to_srgb(mat.base_color)[0] in (0, 1)


def test_emissive_factor_is_linear(tmp_path, configure):
    configure(texture_size=0)
    spec, mesh = _mesh("magical healing potion")
    glowing = [m for m in spec.materials if m.emissive != "#000000"]
    assert glowing, "the potion's liquid glows"
    doc = _glb_json(export_all(mesh, ["glb"], tmp_path)["glb"][0])
    by_name = {m["name"]: m for m in doc["materials"]}
    for mat in glowing:
        expected = np.array(hex_to_linear_rgba(mat.emissive)[:3]) * min(mat.emissive_strength, 1.0)
        assert by_name[mat.name]["emissiveFactor"] == pytest.approx(expected.tolist(), abs=1e-9)


@pytest.mark.parametrize("strength", [0.5, 1.0, 4.0])
def test_emissive_strength_above_one_uses_khr_materials_emissive_strength(tmp_path, configure, strength):
    """glTF factors stop at 1: a stronger glow keeps the colour in ``emissiveFactor`` and the
    rest in KHR_materials_emissive_strength (declared in ``extensionsUsed``)."""
    from conftest import validate_gltf

    from core.mesh.asset_mesh import gltf_factors

    configure(texture_size=0)
    spec, mesh = _mesh("magical healing potion")
    mat = next(m for m in spec.materials if m.emissive != "#000000")
    mesh.materials[spec.materials.index(mat)] = mat.model_copy(update={"emissive_strength": strength})
    path = export_all(mesh, ["glb"], tmp_path)["glb"][0]
    doc = _glb_json(path)
    written = next(m for m in doc["materials"] if m["name"] == mat.name)
    colour = np.array(hex_to_linear_rgba(mat.emissive)[:3])
    assert written["emissiveFactor"] == pytest.approx((colour * min(strength, 1.0)).tolist(), abs=1e-9)
    ext = written.get("extensions", {}).get("KHR_materials_emissive_strength")
    if strength > 1:
        assert ext == {"emissiveStrength": strength}
        assert "KHR_materials_emissive_strength" in doc["extensionsUsed"]
    else:
        assert ext is None and "extensionsUsed" not in doc
    factors = gltf_factors(mesh.materials[spec.materials.index(mat)])
    assert factors["emissiveStrength"] == (strength if strength > 1 else None)
    assert validate_gltf(path)[0]["numErrors"] == 0


def test_trimesh_reimport_reads_linear_factors_and_obj_keeps_srgb(tmp_path, configure):
    configure(texture_size=0)
    spec, mesh = _mesh("wooden crate")
    written = export_all(mesh, ["glb", "obj"], tmp_path)
    scene = trimesh.load(written["glb"][0])
    wood = spec.material("wood")
    factors = {g.visual.material.name: g.visual.material.baseColorFactor for g in scene.geometry.values()}
    assert np.allclose(factors["wood"][:3] / 255.0, hex_to_linear_rgba(wood.base_color)[:3], atol=1 / 255)
    mtl = written["obj"][1].read_text().split("newmtl ")
    block = next(b for b in mtl if b.startswith("wood"))
    kd = [float(v) for v in next(ln for ln in block.splitlines() if ln.startswith("Kd")).split()[1:]]
    assert kd == pytest.approx(hex_to_srgb(wood.base_color), abs=1e-6)


_BLENDER_COLOURS = """
for m in bpy.data.materials:
    bsdf = m.node_tree.nodes.get('Principled BSDF') if m.use_nodes else None
    if bsdf is not None:
        print('COLOR', m.name, *list(bsdf.inputs['Base Color'].default_value)[:3])
"""


@pytest.mark.parametrize("fmt", ["glb", "fbx"])
def test_blender_reads_the_colour_the_user_picked(tmp_path, fmt, configure):
    """Blender's Base Color is linear; its colour picker shows the spec's sRGB hex again."""
    configure(texture_size=0)
    spec, mesh = _mesh("wooden crate")
    path = export_all(mesh, ["glb", fmt], tmp_path)[fmt][0]
    out = run_in_blender(path, _BLENDER_COLOURS)
    colours = {}
    for line in out.splitlines():
        if line.startswith("COLOR "):
            _, name, *rgb = line.split()
            colours[name.split(".")[0]] = [float(v) for v in rgb]
    for mat in spec.materials:
        assert linear_to_hex(colours[mat.name]) == mat.base_color


def test_vertex_colours_are_linear_in_glb_and_srgb_again_when_read(tmp_path):
    """glTF COLOR_0 is linear: a vertex-coloured model (Shap-E, Point-E, reconstruct) keeps
    sRGB in memory and writes linear; reading the GLB back gives the sRGB colours again."""
    from core.mesh.color import linear8_to_srgb8, srgb8_to_linear8
    from core.mesh.textured import TexturedMesh

    sphere = trimesh.creation.icosphere(2, radius=0.3)
    brown = np.array([0x8B, 0x5A, 0x2B, 255], np.uint8)
    sphere.visual = trimesh.visual.ColorVisuals(
        sphere, vertex_colors=np.tile(brown, (len(sphere.vertices), 1))
    )
    path = TexturedMesh([sphere]).save_glb(tmp_path / "brown.glb")
    raw = trimesh.load(path, force="mesh", process=False)  # trimesh reads COLOR_0 as stored
    assert tuple(raw.visual.vertex_colors[0]) == (66, 26, 6, 255)  # 0.258, 0.102, 0.024 linear
    again = TexturedMesh.load_glb(path)
    back = again.geometries[0].visual.vertex_colors[0].astype(int)
    assert np.abs(back - brown.astype(int)).max() <= 2  # 8-bit linear: a step in the darks
    # 8-bit sRGB -> 8-bit linear -> sRGB is stable after the first pass (no drift per save)
    levels = np.stack([np.arange(256)] * 3 + [np.full(256, 255)], axis=1).astype(np.uint8)
    once = linear8_to_srgb8(srgb8_to_linear8(levels))
    assert np.array_equal(linear8_to_srgb8(srgb8_to_linear8(once)), once)
    assert np.abs(once[128:, :3].astype(int) - levels[128:, :3]).max() <= 3  # mid-tones and up
