"""Procedural PBR materials: every kind yields valid, tileable maps; kinds are found from
names and PBR values; texture sets are cached on disk."""

from __future__ import annotations

import io
import tomllib

import numpy as np
import pytest
from PIL import Image

from core.materials.kinds import kind_of, kinds
from core.materials.textures import request_for, synthesize, texture_set
from core.spec.vocab import WORDS_FILE

PRESETS = tomllib.loads(WORDS_FILE.read_text(encoding="utf-8"))["materials"]
ISSUE_KINDS = [
    *[
        "wood",
        "planks",
        "bark",
        "iron",
        "steel",
        "gold",
        "silver",
        "bronze",
        "copper",
        "stone",
        "marble",
        "brick",
        "leather",
        "fabric",
    ],
    *[
        "rope",
        "paper",
        "parchment",
        "bone",
        "glass",
        "crystal",
        "ice",
        "ceramic",
        "porcelain",
        "plastic",
        "rubber",
        "liquid",
    ],
    *["foliage", "fur", "lava", "energy"],
    "rusty metal",
]


def _request(name: str, size: int = 256):
    k = kinds()[name]
    p = PRESETS[k.preset]
    return request_for(
        k,
        color=p["base_color"],
        roughness=p["roughness"],
        metallic=p["metallic"],
        emissive=p.get("emissive"),
        opacity=p.get("opacity", 1.0),
        size=size,
    )


def _seam_ratio(img: np.ndarray) -> float:
    """Mean jump across the tile's wrap-around edges over the mean jump between neighbours."""
    a = img.astype(np.float64)
    inner = np.abs(np.diff(a, axis=0)).mean() + np.abs(np.diff(a, axis=1)).mean()
    seam = np.abs(a[0] - a[-1]).mean() + np.abs(a[:, 0] - a[:, -1]).mean()
    return seam / max(inner, 1e-9)


def test_every_kind_the_issue_names_is_in_the_table():
    assert set(ISSUE_KINDS) <= set(kinds())


@pytest.mark.parametrize("name", sorted(kinds()))
def test_kind_yields_valid_tileable_maps(name):
    req = _request(name)
    maps = synthesize(req)
    preset = PRESETS[kinds()[name].preset]
    assert maps.base_color.shape == (256, 256, 4) and maps.base_color.dtype == np.uint8
    assert maps.normal.shape == (256, 256, 3) and maps.orm.shape == (256, 256, 3)
    # alpha is the material's opacity; the mean colour stays near the spec's colour (sRGB)
    assert abs(maps.base_color[..., 3].mean() / 255 - preset.get("opacity", 1.0)) < 0.01
    want = np.array([int(preset["base_color"][i : i + 2], 16) for i in (1, 3, 5)])
    assert np.abs(maps.base_color[..., :3].reshape(-1, 3).mean(0) - want).max() < 45, name
    # normals point out of the surface (+Z, blue > 0.5) and are unit length
    n = maps.normal.astype(np.float64) / 127.5 - 1.0
    assert n[..., 2].min() > 0.2
    assert np.abs(np.linalg.norm(n, axis=-1) - 1).max() < 0.02
    # ORM: occlusion in (0.3, 1], roughness near the preset's, metallic near the preset's
    orm = maps.orm.astype(np.float64) / 255
    assert orm[..., 0].min() >= 0.29
    assert abs(orm[..., 1].mean() - preset["roughness"]) < 0.2, name
    if name != "rusty metal":
        assert abs(orm[..., 2].mean() - preset["metallic"]) < 0.02, name
    # tileable: the wrap-around edge jumps no more than neighbouring pixels do (a seam would be
    # many times larger)
    for img in (maps.base_color[..., :3], maps.normal, maps.orm):
        assert _seam_ratio(img) < 3.0, name
    assert (maps.emissive is not None) == bool(preset.get("emissive")), name


def test_rusty_metal_has_rust_patches_that_are_not_metal():
    orm = synthesize(_request("rusty metal")).orm.astype(np.float64) / 255
    metal = orm[..., 2]
    assert (metal < 0.2).mean() > 0.1 and (metal > 0.8).mean() > 0.1
    assert orm[..., 1][metal < 0.2].mean() > orm[..., 1][metal > 0.8].mean() + 0.2


def test_wood_grain_runs_along_v():
    lum = synthesize(_request("wood", 512)).base_color[..., :3].mean(-1)
    along_v = np.abs(np.diff(lum, axis=0)).mean()  # rows follow the part's long axis
    across = np.abs(np.diff(lum, axis=1)).mean()
    assert across > 2 * along_v


def test_lava_glows_in_its_cracks_only():
    maps = synthesize(_request("lava"))
    glow = maps.emissive.max(-1)
    assert 0.05 < (glow > 60).mean() < 0.6


def test_texture_sets_are_cached_by_parameters(tmp_path):
    req = _request("stone")
    first = texture_set(req, tmp_path)
    folder = tmp_path / "textures" / req.key()
    assert sorted(p.name for p in folder.iterdir()) == ["base_color.jpg", "normal.jpg", "orm.jpg"]
    stamp = (folder / "normal.jpg").stat().st_mtime_ns
    second = texture_set(req, tmp_path)
    assert second == first and (folder / "normal.jpg").stat().st_mtime_ns == stamp
    img = Image.open(io.BytesIO(first.base_color))
    assert img.size == (256, 256) and img.format == "JPEG" and img.mode == "RGB"
    glass = texture_set(_request("glass"), tmp_path)  # see-through: the alpha channel needs PNG
    assert Image.open(io.BytesIO(glass.base_color)).mode == "RGBA"
    assert Image.open(io.BytesIO(glass.normal)).format == "JPEG"
    tinted = request_for(
        kinds()["stone"], color="#3355aa", roughness=0.9, metallic=0, emissive=None, opacity=1, size=256
    )
    assert tinted.key() != req.key()
    blue = np.asarray(Image.open(io.BytesIO(texture_set(tinted, tmp_path).base_color)))[..., :3].mean((0, 1))
    assert blue[2] > blue[0] + 60  # colour words still tint the material


def test_near_identical_materials_share_a_cache_entry():
    k = kinds()["wood"]
    a = request_for(
        k, color="#8B5A2B", roughness=0.801, metallic=0.0, emissive="#000000", opacity=1.0, size=512
    )
    b = request_for(k, color="#8b5a2b", roughness=0.8, metallic=0.0, emissive=None, opacity=1.0, size=512)
    assert a.key() == b.key()


def test_unsupported_texture_size_is_refused():
    with pytest.raises(ValueError, match="texture size"):
        request_for(
            kinds()["wood"], color="#000000", roughness=0.5, metallic=0, emissive=None, opacity=1, size=300
        )


@pytest.mark.parametrize(
    ("name", "props", "want"),
    [
        ("oak_planks", {}, "planks"),
        ("blade", {"metallic": 1.0}, "steel"),
        ("hoops", {"metallic": 1.0, "roughness": 0.55}, "steel"),
        ("dark wood", {}, "wood"),
        ("roof tiles", {}, "brick"),
        ("pane", {"opacity": 0.5, "roughness": 0.05}, "glass"),
        ("core", {"glowing": True}, "energy"),
        ("body", {"roughness": 0.95}, "stone"),
        ("body", {"roughness": 0.3}, "plastic"),
        ("fur", {"texture": "marble"}, "marble"),  # the writer's recorded kind wins over the name
        # names an LLM-written spec gives its materials
        ("Mahogany", {}, "wood"),
        ("ruby_gem", {}, "crystal"),
        ("gold leaf", {}, "gold"),
        ("burlap sack", {}, "fabric"),
        ("cobblestone", {"roughness": 0.6}, "stone"),
        ("chainmail", {"metallic": 0.3}, "steel"),
        ("car tyre", {}, "rubber"),
    ],
)
def test_kind_of_a_material(name, props, want):
    assert kind_of(name, **props).name == want
