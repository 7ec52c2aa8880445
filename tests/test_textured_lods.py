"""Cloud models (textured GLBs) keep their encoded textures through scaling, LODs and
export: every LOD embeds the downloaded images byte for byte, and the files stay valid."""

from __future__ import annotations

import io

import numpy as np
import pytest
import trimesh
from PIL import Image

from core.mesh.formats.gltf_writer import ARRAY_BUFFER, GltfBuilder
from core.mesh.gltf_sources import glb_chunks, tag_materials
from core.mesh.process import fit_model, make_lods
from core.mesh.textured import TexturedMesh, read_glb
from tests.conftest import validate_gltf


def _image(fmt: str, seed: int, size: int = 128) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(buf, format=fmt, quality=85)
    return buf.getvalue()


def service_glb(texture_info_extra: dict | None = None) -> tuple[bytes, dict[str, bytes]]:
    """A Meshy-like GLB: a UV sphere of ~8k triangles, one material with a JPEG base colour,
    a JPEG metallic-roughness, a PNG normal map, an emissive map and a glow above 1."""
    sphere = trimesh.creation.uv_sphere(radius=0.4, count=[64, 64])
    v = sphere.vertices
    uv = np.column_stack([np.arctan2(v[:, 2], v[:, 0]) / (2 * np.pi) + 0.5, 0.5 - v[:, 1] / 0.8])
    images = {
        "baseColorTexture": _image("JPEG", 1),
        "metallicRoughnessTexture": _image("JPEG", 2),
        "normalTexture": _image("PNG", 3),
        "emissiveTexture": _image("JPEG", 4),
    }
    b = GltfBuilder()
    base = {"index": b.texture(images["baseColorTexture"]), **(texture_info_extra or {})}
    material = {
        "name": "Material_0",
        "pbrMetallicRoughness": {
            "baseColorTexture": base,
            "baseColorFactor": [0.9, 0.8, 0.7, 1.0],
            "metallicRoughnessTexture": {"index": b.texture(images["metallicRoughnessTexture"])},
            "metallicFactor": 0.25,
        },
        "normalTexture": {"index": b.texture(images["normalTexture"]), "scale": 0.8},
        "emissiveTexture": {"index": b.texture(images["emissiveTexture"])},
        "emissiveFactor": [1.0, 0.5, 0.2],
        "extensions": {"KHR_materials_emissive_strength": {"emissiveStrength": 3.0}},
    }
    b.use_extension("KHR_materials_emissive_strength")
    primitive = {
        "attributes": {
            "POSITION": b.accessor(np.asarray(v, np.float32), ARRAY_BUFFER, bounds=True),
            "TEXCOORD_0": b.accessor(uv.astype(np.float32), ARRAY_BUFFER),
        },
        "indices": b.indices(sphere.faces),
        "material": b.material(material),
    }
    b.node("body", b.mesh("body", [primitive]))
    return b.glb(), images


def _embedded_images(data: bytes) -> list[bytes]:
    doc, blob = glb_chunks(data)
    out = []
    for image in doc.get("images", []):
        view = doc["bufferViews"][image["bufferView"]]
        start = view.get("byteOffset", 0)
        out.append(blob[start : start + view["byteLength"]])
    return out


def test_every_lod_embeds_the_downloaded_images_byte_for_byte(tmp_path):
    data, images = service_glb()
    model = read_glb(data)
    assert model.materials is not None and all(m is not None for m in model.materials)
    assert model.material_names == ["Material_0"]  # the tag used to match materials is gone
    fitted, _ = fit_model(model, (1.0, 1.0, 1.0))
    lods = make_lods(fitted, 4000, 3)
    assert [len(lod.faces) for lod in lods] == sorted((len(lod.faces) for lod in lods), reverse=True)
    paths = []
    for i, lod in enumerate(lods):
        path = lod.save_glb(tmp_path / f"lod{i}.glb")
        paths.append(path)
        assert sorted(_embedded_images(path.read_bytes())) == sorted(images.values())
        doc, _ = glb_chunks(path.read_bytes())
        (mat,) = doc["materials"]
        assert mat["name"] == "Material_0"
        assert mat["pbrMetallicRoughness"]["baseColorFactor"] == [0.9, 0.8, 0.7, 1.0]
        assert mat["pbrMetallicRoughness"]["metallicFactor"] == 0.25
        assert mat["normalTexture"]["scale"] == 0.8
        assert mat["extensions"]["KHR_materials_emissive_strength"]["emissiveStrength"] == 3.0
        assert "KHR_materials_emissive_strength" in doc["extensionsUsed"]
    for report in validate_gltf(*paths):
        assert report["numErrors"] == 0 and report["numWarnings"] == 0, report


def test_uvs_and_size_survive_the_round_trip(tmp_path):
    data, _ = service_glb()
    fitted, _ = fit_model(read_glb(data), (2.0, 2.0, 2.0))
    back = TexturedMesh.load_glb(fitted.save_glb(tmp_path / "m.glb"))
    (g,), (h,) = fitted.geometries, back.geometries
    assert np.allclose(g.vertices, h.vertices, atol=1e-5)
    assert np.allclose(g.visual.uv, h.visual.uv, atol=1e-6)
    assert np.allclose(back.vertices.max(0) - back.vertices.min(0), 2.0, atol=2e-3)
    # and again: what was written keeps its sources for the next step
    assert back.materials is not None and back.materials[0].images.keys() == fitted.materials[0].images.keys()


def test_a_texture_transform_cannot_be_carried_so_trimesh_writes_it(tmp_path):
    data, images = service_glb({"extensions": {"KHR_texture_transform": {"scale": [2.0, 2.0]}}})
    model = read_glb(data)
    assert model.materials == [None]
    path = model.save_glb(tmp_path / "m.glb")  # re-encoded by trimesh, still a textured GLB
    assert TexturedMesh.load_glb(path).has_texture
    assert images["baseColorTexture"] not in _embedded_images(path.read_bytes())


def test_tagging_leaves_an_unparsable_glb_to_the_reader():
    data, _ = service_glb()
    broken = data[:12] + b"\xff\xff\xff\x7f" + data[16:]  # JSON chunk longer than the file
    assert tag_materials(broken) == (broken, [])


@pytest.mark.parametrize("with_material", [True, False])
def test_a_model_without_sources_is_written_by_trimesh(tmp_path, with_material):
    mesh = trimesh.creation.box()
    if with_material:
        mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=[200, 30, 30, 255])
    glb = trimesh.Scene(mesh).export(file_type="glb")
    model = read_glb(glb)
    back = TexturedMesh.load_glb(model.save_glb(tmp_path / "m.glb"))
    assert len(back.faces) == 12


def test_obj_of_a_cloud_model_writes_its_images_as_downloaded(tmp_path):
    from core.mesh.formats.obj import export_obj

    data, images = service_glb()
    fitted, _ = fit_model(read_glb(data), (1.0, 1.0, 1.0))
    lod = make_lods(fitted, 4000, 1)[0]
    obj, mtl, *textures = export_obj(lod, tmp_path / "model.obj")
    assert sorted(p.read_bytes() for p in textures) == sorted(images.values())
    text = mtl.read_text()
    for line in ("newmtl Material_0", "map_Kd model_Material_0_baseColor.jpg", "map_Pr -imfchan g"):
        assert line in text
    assert "map_Bump -bm 0.8 model_Material_0_normal.png" in text and "map_Ke " in text
    kd = [float(x) for x in next(ln for ln in text.splitlines() if ln.startswith("Kd")).split()[1:]]
    assert kd == pytest.approx([0.9546, 0.9063, 0.8540], abs=2e-3)  # sRGB of the linear factor
    assert sum(ln.startswith("f ") for ln in obj.read_text().splitlines()) == len(lod.faces)
    back = trimesh.load(obj, force="mesh")
    assert back.visual.uv is not None and len(back.visual.uv) == len(back.vertices)
    assert back.visual.material.image.size == (128, 128)


def test_gltf_of_a_cloud_model_embeds_the_downloaded_images(tmp_path):
    import base64
    import json

    from core.mesh.formats.gltf import export_gltf

    data, images = service_glb()
    fitted, _ = fit_model(read_glb(data), (1.0, 1.0, 1.0))
    (path,) = export_gltf(fitted, tmp_path / "model.gltf")
    doc = json.loads(path.read_bytes())
    blob = base64.b64decode(doc["buffers"][0]["uri"].split(",", 1)[1])
    views = [doc["bufferViews"][image["bufferView"]] for image in doc["images"]]
    embedded = [blob[v["byteOffset"] : v["byteOffset"] + v["byteLength"]] for v in views]
    assert sorted(embedded) == sorted(images.values())
    (report,) = validate_gltf(path)
    assert report["numErrors"] == 0 and report["numWarnings"] == 0, report


def test_usdz_of_a_cloud_model_packages_the_downloaded_images(tmp_path):
    import zipfile

    from core.mesh.formats.usdz import export_usdz, validation_errors

    data, images = service_glb()
    fitted, _ = fit_model(read_glb(data), (1.0, 1.0, 1.0))
    (path,) = export_usdz(fitted, tmp_path / "model.usdz")
    with zipfile.ZipFile(path) as z:
        packaged = [z.read(n) for n in z.namelist() if not n.endswith((".usdc", ".usda"))]
    assert sorted(packaged) == sorted(images.values())
    assert validation_errors(path) == []
