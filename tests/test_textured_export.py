"""Textured exports of procedural models: GLB / glTF with the procedural PBR maps (Khronos-valid,
PNG bytes embedded as cached), OBJ + MTL with PBR keys and companion PNGs, and FBX with its LOD
and collision names and its images, re-imported in Blender."""

from __future__ import annotations

import json
import struct
from dataclasses import replace

import numpy as np
import pytest
import trimesh
from conftest import run_in_blender, shared_prompts, validate_gltf

from core.mesh.asset_mesh import AssetMesh
from core.mesh.formats import ExportOptions, export_all
from core.mesh.formats.gltf import export_collision_glb, export_glb, glb_bytes
from core.mesh.texturing import mesh_textures, vertex_tangents
from core.spec.model import PBRMaterial

WOOD = PBRMaterial(name="wood", base_color="#8b5a2b", roughness=0.8, texture="wood")
BANDS = PBRMaterial(name="bands", base_color="#555555", roughness=0.4, metallic=1.0, texture="iron")
TRIM = PBRMaterial(name="trim", base_color="#555555", roughness=0.4, metallic=1.0, texture="iron")
LAVA = PBRMaterial(
    name="lava", base_color="#331100", roughness=0.9, emissive="#ff4400", emissive_strength=4.0
)


def _part(size, offset, material: int):
    """A box with its own vertices per face, planar UVs in metres and face normals."""
    box = trimesh.creation.box(size)
    box.apply_translation(offset)
    box.unmerge_vertices()  # vertex i belongs to face i // 3
    normals = np.repeat(box.face_normals, 3, axis=0)
    axis = np.abs(normals).argmax(axis=1)
    others = np.array([[2, 1], [0, 2], [0, 1]])[axis]
    uvs = np.take_along_axis(box.vertices, others, axis=1)
    return box.vertices, box.faces, uvs, normals, np.full(len(box.faces), material)


def crate() -> AssetMesh:
    """A crate with two metal materials that look alike and a glowing lid (strength 4)."""
    parts = [
        _part((0.6, 0.5, 0.4), (0, 0.25, 0), 0),
        _part((0.62, 0.05, 0.42), (0, 0.45, 0), 1),
        _part((0.62, 0.05, 0.42), (0, 0.05, 0), 2),
        _part((0.2, 0.1, 0.2), (0, 0.55, 0), 3),
    ]
    offsets = np.cumsum([0] + [len(p[0]) for p in parts[:-1]])
    return AssetMesh(
        np.vstack([p[0] for p in parts]),
        np.vstack([p[1] + o for p, o in zip(parts, offsets, strict=True)]),
        np.concatenate([p[4] for p in parts]),
        [WOOD, BANDS, TRIM, LAVA],
        uvs=np.vstack([p[2] for p in parts]),
        normals=np.vstack([p[3] for p in parts]),
    )


def _options(tmp_path, size: int = 512, **changes) -> ExportOptions:
    return ExportOptions(texture_size=size, cache_dir=tmp_path / "cache", name="Crate", **changes)


def _read_glb(data: bytes) -> tuple[dict, bytes]:
    (json_len,) = struct.unpack_from("<I", data, 12)
    doc = json.loads(data[20 : 20 + json_len])
    (bin_len,) = struct.unpack_from("<I", data, 20 + json_len)
    return doc, data[28 + json_len : 28 + json_len + bin_len]


def _accessor(doc: dict, blob: bytes, index: int) -> np.ndarray:
    acc = doc["accessors"][index]
    view = doc["bufferViews"][acc["bufferView"]]
    dtype = {5126: np.float32, 5125: np.uint32, 5123: np.uint16}[acc["componentType"]]
    width = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}[acc["type"]]
    raw = blob[view["byteOffset"] : view["byteOffset"] + view["byteLength"]]
    return np.frombuffer(raw, dtype).reshape(acc["count"], width)


def _image(doc: dict, blob: bytes, texture: int) -> bytes:
    view = doc["bufferViews"][doc["images"][doc["textures"][texture]["source"]]["bufferView"]]
    return blob[view["byteOffset"] : view["byteOffset"] + view["byteLength"]]


def test_textured_glb_is_khronos_valid_without_warnings(tmp_path):
    path = export_glb(crate(), tmp_path / "crate.glb", _options(tmp_path, 1024))[0]
    gltf = export_all(crate(), ["gltf"], tmp_path, options=_options(tmp_path, 1024))["gltf"][0]
    for report in validate_gltf(path, gltf):
        assert report["numErrors"] == 0 and report["numWarnings"] == 0, report


def test_procedural_models_export_textured_and_khronos_valid(tmp_path, configure):
    from core.generators import get_generator
    from core.spec.builtin import BuiltinSpecWriter

    configure(texture_size=512)
    paths = []
    for i, prompt in enumerate(shared_prompts()[:4]):
        mesh = list(get_generator("procedural").generate(BuiltinSpecWriter().write(prompt).spec))[-1].mesh
        assert mesh.uvs is not None, prompt
        paths.append(export_all(mesh, ["glb"], tmp_path / str(i))["glb"][0])
    for report in validate_gltf(*paths):
        assert report["numErrors"] == 0 and report["numWarnings"] == 0, report
    doc, _ = _read_glb(paths[0].read_bytes())
    assert doc["images"] and all("TEXCOORD_0" in p["attributes"] for p in doc["meshes"][0]["primitives"])


def test_one_primitive_per_material_with_the_cached_maps_embedded_as_they_are(tmp_path):
    mesh = crate()
    options = _options(tmp_path)
    doc, blob = _read_glb(glb_bytes(mesh, options))
    textures = mesh_textures(mesh, 512, tmp_path / "cache")
    assert [n["name"] for n in doc["nodes"]] == ["Crate"] and len(doc["meshes"]) == 1
    primitives = doc["meshes"][0]["primitives"]
    assert [doc["materials"][p["material"]]["name"] for p in primitives] == ["wood", "bands", "trim", "lava"]
    assert doc["samplers"] == [{"magFilter": 9729, "minFilter": 9987, "wrapS": 10497, "wrapT": 10497}]
    for index, prim in enumerate(primitives):
        assert set(prim["attributes"]) == {"POSITION", "NORMAL", "TEXCOORD_0", "TANGENT"}
        mat, maps = doc["materials"][prim["material"]], textures[index].textures
        pbr = mat["pbrMetallicRoughness"]
        # the maps carry colour, roughness and metallic: the factors leave them as they are
        assert pbr["baseColorFactor"] == [1.0, 1.0, 1.0, 1.0]
        assert pbr["metallicFactor"] == pbr["roughnessFactor"] == 1.0
        assert _image(doc, blob, pbr["baseColorTexture"]["index"]) == maps.base_color
        assert _image(doc, blob, mat["normalTexture"]["index"]) == maps.normal
        assert pbr["metallicRoughnessTexture"] == mat["occlusionTexture"]  # one ORM image
        assert _image(doc, blob, mat["occlusionTexture"]["index"]) == maps.orm
        # TEXCOORD_0 = uvs / tile_m of that material, for the vertices the primitive uses
        faces = mesh.faces[mesh.face_material == index]
        used = np.unique(faces)
        uv = _accessor(doc, blob, prim["attributes"]["TEXCOORD_0"])
        assert np.allclose(uv, mesh.uvs[used] / textures[index].tile_m, atol=1e-6)
        indices = _accessor(doc, blob, prim["indices"]).reshape(-1, 3)
        assert np.array_equal(used[indices], faces)
    assert _image(doc, blob, pbr["metallicRoughnessTexture"]["index"]) == textures[3].textures.orm
    # the two iron materials that look alike stay two materials sharing one set of images
    assert primitives[1]["material"] != primitives[2]["material"]
    assert len(doc["images"]) == 3 + 3 + 4  # wood, iron (shared), lava with its glow


def test_a_textured_glow_keeps_its_map_and_its_strength(tmp_path):
    doc, blob = _read_glb(glb_bytes(crate(), _options(tmp_path)))
    lava = next(m for m in doc["materials"] if m["name"] == "lava")
    assert lava["emissiveFactor"] == [1.0, 1.0, 1.0]  # the map holds the glow's colour
    emissive = mesh_textures(crate(), 512, tmp_path / "cache")[3].textures.emissive
    assert _image(doc, blob, lava["emissiveTexture"]["index"]) == emissive
    assert lava["extensions"] == {"KHR_materials_emissive_strength": {"emissiveStrength": 4.0}}
    assert doc["extensionsUsed"] == ["KHR_materials_emissive_strength"]
    assert not any("emissiveTexture" in m for m in doc["materials"] if m["name"] != "lava")


def test_texture_size_zero_or_no_uvs_exports_flat_colours_with_normals(tmp_path):
    mesh = crate()
    flat, _ = _read_glb(glb_bytes(mesh, _options(tmp_path, 0)))
    no_uvs, _ = _read_glb(glb_bytes(replace(mesh, uvs=None), _options(tmp_path)))
    for doc in (flat, no_uvs):
        assert "images" not in doc and "samplers" not in doc
        for prim in doc["meshes"][0]["primitives"]:
            assert set(prim["attributes"]) == {"POSITION", "NORMAL"}
        wood = next(m for m in doc["materials"] if m["name"] == "wood")
        assert wood["pbrMetallicRoughness"]["baseColorFactor"][0] == pytest.approx(0.2582, abs=1e-4)


def test_tangents_are_unit_orthogonal_and_point_the_normal_map_up(tmp_path):
    # a quad facing +Z with u along +X and v (down the image) along -Y: image up is +Y
    points = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], float)
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    normals = np.tile([0.0, 0.0, 1.0], (4, 1))
    uv = np.array([[0, 1], [1, 1], [1, 0], [0, 0]], float)
    t = vertex_tangents(points, faces, normals, uv)
    assert np.allclose(t[:, :3], [1, 0, 0]) and np.allclose(t[:, 3], 1.0)
    bitangent = np.cross(normals, t[:, :3]) * t[:, 3:]
    assert np.allclose(bitangent, [0, 1, 0])
    mirrored = vertex_tangents(points, faces, normals, uv * [1, -1])  # v now runs up the image
    assert np.allclose(mirrored[:, 3], -1.0)
    doc, blob = _read_glb(glb_bytes(crate(), _options(tmp_path)))
    for prim in doc["meshes"][0]["primitives"]:
        tangent = _accessor(doc, blob, prim["attributes"]["TANGENT"])
        normal = _accessor(doc, blob, prim["attributes"]["NORMAL"])
        assert np.allclose(np.linalg.norm(tangent[:, :3], axis=1), 1.0, atol=1e-5)
        assert np.allclose(np.sum(tangent[:, :3] * normal, axis=1), 0.0, atol=1e-5)
        assert set(np.unique(tangent[:, 3])) <= {-1.0, 1.0}


def test_textured_obj_writes_pbr_mtl_keys_and_the_pngs(tmp_path):
    mesh = crate()
    obj, mtl, *pngs = export_all(mesh, ["obj"], tmp_path, options=_options(tmp_path))["obj"]
    textures = mesh_textures(mesh, 512, tmp_path / "cache")
    assert {p.read_bytes() for p in pngs} == {
        b for t in textures.values() for b in t.textures.maps().values()
    }  # the cached bytes, each image once
    blocks = {b.split("\n")[0]: b for b in mtl.read_text().split("newmtl ")[1:]}
    assert set(blocks) == {"wood", "bands", "trim", "lava"}
    wood = blocks["wood"]
    for key in ("Kd 1.000000 1.000000 1.000000", "Pr 0.8", "map_Kd model_wood_base_color.jpg"):
        assert key in wood
    for key in ("map_Pr -imfchan g model_wood_orm.jpg", "map_Pm -imfchan b", "map_Bump -bm 1", "norm "):
        assert key in wood
    assert "map_Ke model_lava_emissive.jpg" in blocks["lava"] and "map_Ke" not in wood
    text = obj.read_text()
    vt = np.array([ln.split()[1:] for ln in text.splitlines() if ln.startswith("vt ")], float)
    assert len(vt) == len(mesh.vertices)  # each part's vertices have one material here
    wood = mesh.uvs[np.unique(mesh.faces[mesh.face_material == 0])] / textures[0].tile_m
    assert np.allclose(vt[: len(wood)], np.column_stack([wood[:, 0], 1 - wood[:, 1]]), atol=1e-6)
    scene = trimesh.load(obj)
    for geom in scene.geometry.values():
        assert geom.visual.material.image is not None and geom.visual.uv is not None


def test_fbx_keeps_lod_and_ucx_names_and_its_images(tmp_path):
    from core.mesh.collision import collision_meshes

    mesh = crate()
    options = _options(tmp_path)
    lod1 = export_glb(mesh, tmp_path / "model_lod1.glb", options)[0]
    pieces = collision_meshes(mesh.vertices, mesh.faces, "hull")
    collision = export_collision_glb(pieces * 2, tmp_path / "collision.glb", "Crate")
    options = replace(options, lod_glbs=(lod1,), collision_glb=collision)
    fbx = export_all(mesh, ["fbx"], tmp_path / "out", options=options)["fbx"][0]
    script = (
        "objs = {o.name: [o.type, o.parent.name if o.parent else None] for o in bpy.data.objects}\n"
        "links = {}\n"
        "for m in bpy.data.materials:\n"
        "    bsdf = m.node_tree.nodes.get('Principled BSDF')\n"
        "    links[m.name] = sorted(i.name for i in bsdf.inputs if i.is_linked and\n"
        "        any(l.from_node.type in ('TEX_IMAGE', 'NORMAL_MAP') for l in i.links))\n"
        "imgs = {i.name: [i.size[0], len(i.packed_file.data) if i.packed_file else 0]\n"
        "        for i in bpy.data.images}\n"
        "print('SCENE ' + json.dumps({'objects': objs, 'links': links, 'images': imgs}))\n"
    )
    out = run_in_blender(fbx, script)
    scene = json.loads(next(ln for ln in out.splitlines() if ln.startswith("SCENE "))[6:])
    objects = scene["objects"]
    assert objects["Crate"] == ["EMPTY", None]  # the LOD group
    assert objects["Crate_LOD0"] == objects["Crate_LOD1"] == ["MESH", "Crate"]
    assert objects["UCX_Crate_00"] == objects["UCX_Crate_01"] == ["MESH", None]
    assert set(scene["links"]) == {"wood", "bands", "trim", "lava"}  # LOD1 shares LOD0's
    for name, inputs in scene["links"].items():
        assert {"Base Color", "Normal"} <= set(inputs), name
    assert "Emission" in scene["links"]["lava"]
    sizes = {size for size, _ in scene["images"].values()}
    assert sizes == {512} and all(n > 0 for _, n in scene["images"].values())


def test_glb_opens_in_blender_with_every_map_linked(tmp_path):
    """Blender's glTF importer finds, per material, the base colour, the normal map and the
    metallic-roughness channels, and the images at the texture size."""
    glb = export_glb(crate(), tmp_path / "crate.glb", _options(tmp_path))[0]
    script = (
        "links = {}\n"
        "for m in bpy.data.materials:\n"
        "    bsdf = next(n for n in m.node_tree.nodes if n.type == 'BSDF_PRINCIPLED')\n"
        "    links[m.name] = sorted(i.name for i in bsdf.inputs if i.is_linked)\n"
        "imgs = sorted({tuple(i.size) for i in bpy.data.images})\n"
        "print('SCENE ' + json.dumps({'links': links, 'sizes': imgs}))\n"
    )
    out = run_in_blender(glb, script)
    scene = json.loads(next(ln for ln in out.splitlines() if ln.startswith("SCENE "))[6:])
    assert set(scene["links"]) == {"wood", "bands", "trim", "lava"}
    for name, inputs in scene["links"].items():
        assert {"Base Color", "Normal", "Metallic", "Roughness"} <= set(inputs), name
    assert "Emission" in scene["links"]["lava"]
    assert scene["sizes"] == [[512, 512]]
