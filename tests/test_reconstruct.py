"""Point cloud -> mesh: accuracy on known shapes (Chamfer distance), watertightness, colours
that survive GLB / PLY / FBX and baking, bad input, and the ``reconstruct`` CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import trimesh
from conftest import REPO, require_blender, validate_gltf

from core.errors import ConversionError
from core.mesh.reconstruct import MAX_POINTS, chamfer_distance, check_point_cloud, reconstruct


def _shapes():
    from core.generators import get_generator
    from core.spec.builtin import BuiltinSpecWriter

    chest = list(get_generator("procedural").generate(BuiltinSpecWriter().write("wooden chest").spec))[-1]
    return {
        "sphere": trimesh.creation.icosphere(4, radius=0.5),
        "torus": trimesh.creation.torus(0.5, 0.15),
        "chest": chest.mesh.to_trimesh(),
    }


def _sample(mesh, n=4096, seed=1):
    pts, fi = trimesh.sample.sample_surface(mesh, n, seed=seed)
    colors = (np.abs(mesh.face_normals[fi]) * 255).astype(np.uint8)  # colour by facing
    return pts, colors


@pytest.mark.parametrize("name", ["sphere", "torus", "chest"])
def test_known_shapes_come_back_watertight_and_within_one_percent(name):
    mesh = _shapes()[name]
    pts, colors = _sample(mesh)
    out = reconstruct(pts, colors)
    (g,) = out.geometries
    assert g.is_watertight and g.volume > 0
    ref = trimesh.sample.sample_surface(mesh, 20000, seed=2)[0]
    got = trimesh.sample.sample_surface(g, 20000, seed=3)[0]
    diag = np.linalg.norm(mesh.extents)
    assert chamfer_distance(ref, got) <= 0.01 * diag
    from scipy.spatial import cKDTree

    # at the cloud's scale, and no bulges: 99 % of vertices within 2 % of the diagonal
    # (sharp corners can bulge by up to the kernel width; see core/mesh/reconstruct.py)
    assert np.percentile(cKDTree(ref).query(g.vertices)[0], 99) <= 0.02 * diag
    assert np.allclose(g.bounds, mesh.bounds, atol=0.08 * mesh.extents.max())
    # each vertex carries the colour of the points around it

    _, idx = cKDTree(pts).query(g.vertices)
    err = np.abs(g.visual.vertex_colors[:, :3].astype(int) - colors[idx].astype(int)).mean()
    assert err < 40


def test_without_colours_the_mesh_is_grey():
    pts, _ = _sample(trimesh.creation.icosphere(3))
    g = reconstruct(pts).geometries[0]
    assert (g.visual.vertex_colors[:, :3] == 200).all()


@pytest.mark.parametrize(
    "points,words",
    [
        (np.full((50, 3), np.nan), "NaN"),
        (np.random.default_rng(0).random((9, 3)), "at least 10"),
        (np.c_[np.random.default_rng(0).random((500, 2)), np.zeros(500)], "flat"),
        (np.random.default_rng(0).random((50, 2)), "(N, 3)"),
        (np.broadcast_to(np.zeros(3), (20_000_001, 3)), "accepted"),
    ],
)
def test_bad_point_clouds_are_refused_with_the_reason(points, words):
    with pytest.raises(ConversionError, match=words.replace("(", r"\(").replace(")", r"\)")):
        check_point_cloud(points)


def test_huge_clouds_are_subsampled_with_a_note():
    pts = trimesh.sample.sample_surface(trimesh.creation.icosphere(3), MAX_POINTS + 5000, seed=0)[0]
    cloud, notes = check_point_cloud(pts)
    assert len(cloud.points) == MAX_POINTS and "subsampled" in notes[0]


def test_bake_puts_vertex_colours_into_a_texture():
    from core.mesh.bake import bake_vertex_colors

    pts, colors = _sample(trimesh.creation.icosphere(3, radius=0.4))
    model = reconstruct(pts, colors, grid=40)
    baked = bake_vertex_colors(model, size=512)
    (g,) = baked.geometries
    assert g.visual.kind == "texture" and g.visual.material.baseColorTexture.size == (512, 512)
    # sampling the texture at the new UVs gives back the vertex colours
    from scipy.spatial import cKDTree

    src = model.geometries[0]
    _, idx = cKDTree(src.vertices).query(g.vertices)
    back = g.visual.to_color().vertex_colors[:, :3].astype(int)
    assert np.abs(back - src.visual.vertex_colors[idx, :3].astype(int)).mean() < 12


def _ply(tmp_path, name="sphere"):
    pts, colors = _sample(_shapes()[name])
    path = tmp_path / "points.ply"
    cloud = trimesh.PointCloud(pts, colors=np.c_[colors, np.full(len(colors), 255)].astype(np.uint8))
    path.write_bytes(cloud.export(file_type="ply"))
    return path


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "core", "reconstruct", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_reconstructs_a_coloured_ply_into_a_valid_glb_with_color_0(tmp_path, node_available):
    proc = _cli(_ply(tmp_path), "--out", tmp_path / "mesh.glb", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["colored"] and report["stats"]["watertight"] and report["input_points"] == 4096
    glb = tmp_path / "mesh.glb"
    assert validate_gltf(glb)[0]["numErrors"] == 0
    data = glb.read_bytes()
    doc = json.loads(data[20 : 20 + int.from_bytes(data[12:16], "little")])
    assert "COLOR_0" in doc["meshes"][0]["primitives"][0]["attributes"]


def test_cli_ply_output_keeps_vertex_colours_and_bake_gives_a_texture(tmp_path):
    ply = _ply(tmp_path, "torus")
    assert _cli(ply, "--out", tmp_path / "mesh.ply").returncode == 0
    mesh = trimesh.load(tmp_path / "mesh.ply", process=False)
    assert mesh.visual.vertex_colors[:, :3].std() > 10
    proc = _cli(ply, "--out", tmp_path / "baked.glb", "--faces", "3000", "--bake", "--json")
    assert proc.returncode == 0, proc.stderr
    baked = trimesh.load(tmp_path / "baked.glb", force="mesh")
    assert baked.visual.kind == "texture" and baked.visual.material.baseColorTexture is not None


def test_cli_fbx_keeps_vertex_colours(tmp_path):
    blender = require_blender()
    fbx = tmp_path / "mesh.fbx"
    proc = _cli(_ply(tmp_path), "--out", fbx, "--faces", "4000")
    assert proc.returncode == 0, proc.stderr
    script = (
        "import bpy, sys, numpy\nnumpy.bool = getattr(numpy, 'bool', numpy.bool_)\n"
        "bpy.ops.wm.read_factory_settings(use_empty=True)\nbpy.ops.import_scene.fbx(filepath=sys.argv[-1])\n"
        "m = [o for o in bpy.data.objects if o.type == 'MESH'][0].data\n"
        "print('COLOR_LAYERS', len(m.vertex_colors))\n"
    )
    out = subprocess.run(
        [blender, "-b", "--factory-startup", "--python-expr", script, "--", str(fbx)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("COLOR_LAYERS"))
    assert int(line.split()[1]) >= 1, out.stdout[-2000:]


def test_cli_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.ply"
    bad.write_text("not a ply")
    proc = _cli(bad, "--out", tmp_path / "m.glb")
    assert proc.returncode == 1 and proc.stderr.startswith("error:")
    proc = _cli(_ply(tmp_path), "--out", tmp_path / "m.xyz")
    assert proc.returncode == 2 and "--out" in proc.stderr


# --- issue 13: bad point clouds, files and options -----------------------------------------


def _box_points(extents, n, seed=0):
    return trimesh.sample.sample_surface(trimesh.creation.box(extents), n, seed=seed)[0]


def _sphere_points(n=4096, radius=0.5):
    return trimesh.sample.sample_surface(trimesh.creation.icosphere(3, radius=radius), n, seed=0)[0]


def _write_ply(path, pts, colors=None, fmt="binary_little_endian"):
    """A vertex-only PLY with float64 x/y/z and optional uchar red/green/blue."""
    pts = np.asarray(pts, np.float64)
    props = [("x", "f8"), ("y", "f8"), ("z", "f8")]
    if colors is not None:
        props += [("red", "u1"), ("green", "u1"), ("blue", "u1")]
    names = {"f8": "double", "u1": "uchar"}
    header = ["ply", f"format {fmt} 1.0", f"element vertex {len(pts)}"]
    header += [f"property {names[t]} {n}" for n, t in props] + ["end_header"]
    head = ("\n".join(header) + "\n").encode()
    if fmt == "ascii":
        cols = np.zeros((len(pts), 0)) if colors is None else np.asarray(colors)
        rows = [
            " ".join([*(repr(float(v)) for v in p), *(str(int(c)) for c in q)])
            for p, q in zip(pts, cols, strict=True)
        ]
        path.write_bytes(head + ("\n".join(rows) + "\n").encode())
    else:
        order = "<" if fmt == "binary_little_endian" else ">"
        table = np.zeros(len(pts), [(n, order + t) for n, t in props])
        for i, a in enumerate("xyz"):
            table[a] = pts[:, i]
        if colors is not None:
            for i, a in enumerate(("red", "green", "blue")):
                table[a] = np.asarray(colors)[:, i]
        path.write_bytes(head + table.tobytes())
    return path


SCALES = [
    (1e300, "10,000,000 m is accepted"),
    (1e-300, "1 mm to 10 km"),
    (1e5, "1 mm to 10 km"),
    (1e-4, "1 mm to 10 km"),
]


@pytest.mark.parametrize("scale,words", SCALES)
def test_absurd_scales_are_refused_with_the_plausible_range(scale, words):
    with pytest.raises(ConversionError, match=words):
        check_point_cloud(_sphere_points() * scale)


def test_plausible_scales_come_back_at_the_same_scale():
    for scale in (0.01, 1000.0):
        pts = _sphere_points() * scale
        (g,) = reconstruct(pts).geometries
        assert np.allclose(g.extents, np.ptp(pts, axis=0), rtol=0.05)


def test_a_small_cloud_far_from_the_origin_is_refused_not_garbled():
    with pytest.raises(ConversionError, match="from the origin"):
        check_point_cloud(_sphere_points() + 1e5)


@pytest.mark.parametrize("seed", range(4))
def test_ten_points_on_a_cube_are_refused_as_too_sparse(seed):
    with pytest.raises(ConversionError, match=r"too sparse.*Sample the object more densely"):
        reconstruct(_box_points((1, 1, 1), 10, seed))


@pytest.mark.parametrize(
    "points",
    [_box_points((1, 1, 1), 30), _box_points((1, 1, 1), 60, 1), trimesh.creation.icosphere(1).vertices],
    ids=["cube30", "cube60", "ico42"],
)
def test_sparse_clouds_never_come_back_bigger_than_the_cloud(points):
    lo, hi = points.min(0), points.max(0)
    try:
        (g,) = reconstruct(points).geometries
    except ConversionError as e:
        assert "Sample the object more densely" in str(e)
        return
    margin = 0.1 * (hi - lo).max()
    assert (g.bounds[0] >= lo - margin).all() and (g.bounds[1] <= hi + margin).all()
    assert len(g.faces) < 100_000


def test_the_result_check_refuses_a_mesh_larger_than_the_cloud():
    from core.mesh.reconstruct import _check_result

    blob = trimesh.creation.icosphere(2, radius=3.5)
    with pytest.raises(ConversionError, match="7 x 7 x 7 m for a 1 x 1 x 1 m point cloud"):
        _check_result(blob, np.zeros(3) - 0.5, np.zeros(3) + 0.5, 0.1)
    _check_result(trimesh.creation.icosphere(2, radius=0.55), np.zeros(3) - 0.5, np.zeros(3) + 0.5, 0.1)


def test_a_sparse_needle_is_refused_and_a_dense_rod_keeps_its_size():
    with pytest.raises(ConversionError, match="too sparse"):
        reconstruct(_box_points((1000, 1, 1), 4096))
    pts = _box_points((50, 1, 1), 20000)
    (g,) = reconstruct(pts).geometries
    assert g.is_watertight
    assert g.extents[0] == pytest.approx(50, abs=1.0)
    assert (g.extents[1:] < 1.5).all() and (g.extents[1:] > 0.9).all()  # was 54 m for 1 m


def test_a_cloud_too_long_for_the_grid_is_refused(monkeypatch):
    import core.mesh.reconstruct as rec

    monkeypatch.setattr(rec, "MAX_CELLS", 2_000)
    with pytest.raises(ConversionError, match="too long for how thin it is"):
        reconstruct(_box_points((50, 1, 1), 20000))


def test_far_apart_clusters_are_named_as_such_not_flat():
    sph = _sphere_points()
    with pytest.raises(ConversionError, match=r"2 separate clusters.*1,000,001 m.*1.73 m across") as err:
        check_point_cloud(np.vstack([sph, sph + np.array((1e6, 0, 0))]))
    assert "flat" not in str(err.value)
    with pytest.raises(ConversionError, match="remove stray points"):
        check_point_cloud(np.vstack([sph, [[100.0, 0, 0]]]))
    # two objects close together are fine
    (g,) = reconstruct(np.vstack([sph, sph + np.array((3.0, 0, 0))])).geometries
    assert g.extents[0] == pytest.approx(4.0, abs=0.1)


def test_a_line_is_called_a_line():
    t = np.linspace(0, 1, 200)[:, None]
    with pytest.raises(ConversionError, match="is a line"):
        check_point_cloud(np.c_[t, 2 * t, 3 * t])


@pytest.mark.parametrize("fmt", ["ascii", "binary_little_endian", "binary_big_endian"])
def test_ply_reader_reads_points_and_colours_exactly(tmp_path, fmt):
    from core.mesh.reconstruct import read_ply_points

    rng = np.random.default_rng(3)
    pts, colors = rng.random((50, 3)), rng.integers(0, 256, (50, 3))
    got, got_colors = read_ply_points(_write_ply(tmp_path / "p.ply", pts, colors, fmt))
    assert np.array_equal(got, pts) and np.array_equal(got_colors, colors)
    got, got_colors = read_ply_points(_write_ply(tmp_path / "q.ply", pts, None, fmt))
    assert np.array_equal(got, pts) and got_colors is None


def test_ply_reader_reads_trimesh_exports_with_faces(tmp_path):
    from core.mesh.reconstruct import read_ply_points

    mesh = trimesh.creation.icosphere(2)
    for encoding in ("binary", "ascii"):
        path = tmp_path / f"m_{encoding}.ply"
        path.write_bytes(mesh.export(file_type="ply", encoding=encoding))
        got, _ = read_ply_points(path)
        assert np.allclose(got, mesh.vertices, atol=1e-6)


@pytest.mark.parametrize("rows", [90, 110])
def test_an_ascii_header_that_lies_about_the_vertex_count_is_refused(tmp_path, rows):
    from core.mesh.reconstruct import read_ply_points

    path = _write_ply(tmp_path / "p.ply", np.random.default_rng(0).random((rows, 3)), fmt="ascii")
    path.write_bytes(path.read_bytes().replace(f"element vertex {rows}".encode(), b"element vertex 100"))
    with pytest.raises(ConversionError, match=f"declares 100 rows .* the body has {rows}"):
        read_ply_points(path)


@pytest.mark.parametrize("cut", [-8, 8])
def test_a_binary_body_of_the_wrong_size_is_refused(tmp_path, cut):
    from core.mesh.reconstruct import read_ply_points

    path = _write_ply(tmp_path / "p.ply", np.random.default_rng(0).random((100, 3)))
    data = path.read_bytes()
    path.write_bytes(data[:cut] if cut < 0 else data + b"\0" * cut)
    with pytest.raises(ConversionError, match="take 2,400 bytes but the body has"):
        read_ply_points(path)


def test_reader_refuses_missing_directories_devices_and_oversized_files(tmp_path):
    from core.mesh.reconstruct import read_ply_points

    with pytest.raises(ConversionError, match="no such file"):
        read_ply_points(tmp_path / "missing.ply")
    with pytest.raises(ConversionError, match="is a directory"):
        read_ply_points(tmp_path)
    with pytest.raises(ConversionError, match="not a regular file"):
        read_ply_points("/dev/zero")
    path = _write_ply(tmp_path / "p.ply", np.random.default_rng(0).random((100, 3)))
    with pytest.raises(ConversionError, match="MiB accepted"):
        read_ply_points(path, max_bytes=1000)


def test_output_check_refuses_unwritable_places(tmp_path, monkeypatch):
    from core.mesh.reconstruct_io import check_output_path

    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ConversionError, match="is a file, not a folder"):
        check_output_path(tmp_path / "file.txt" / "sub" / "m.glb")
    with pytest.raises(ConversionError, match="is a directory"):
        check_output_path(tmp_path)
    with pytest.raises(ConversionError, match="too long"):
        check_output_path(tmp_path / ("a" * 5000 + ".glb"))
    assert check_output_path(tmp_path / "new" / "deeper" / "m.glb").name == "m.glb"
    assert not (tmp_path / "new").exists()  # nothing created by the check

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    with pytest.raises(ConversionError, match="does not accept new files"):
        check_output_path(tmp_path / "m.glb")


def _assert_one_line_error(proc, *words):
    assert proc.returncode in (1, 2), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error:"), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for w in words:
        assert w in proc.stderr, proc.stderr


def test_cli_refuses_bad_clouds_in_one_line(tmp_path):
    sph = _sphere_points()
    cases = {
        "huge": (sph * 1e300, "1 mm to 10 km"),
        "tiny": (sph * 1e-300, "1 mm to 10 km"),
        "cube10": (_box_points((1, 1, 1), 10), "too sparse"),
        "needle": (_box_points((1000, 1, 1), 4096), "too sparse"),
        "clusters": (np.vstack([sph, sph + np.array((1e6, 0, 0))]), "separate clusters"),
    }
    for name, (pts, words) in cases.items():
        proc = _cli(_write_ply(tmp_path / f"{name}.ply", pts), "--out", tmp_path / f"{name}.glb")
        _assert_one_line_error(proc, words)
        assert not (tmp_path / f"{name}.glb").exists()


def test_cli_refuses_a_lying_ascii_header(tmp_path):
    path = _write_ply(tmp_path / "p.ply", _sphere_points(200), fmt="ascii")
    path.write_bytes(path.read_bytes().replace(b"element vertex 200", b"element vertex 150"))
    _assert_one_line_error(_cli(path, "--out", tmp_path / "m.glb"), "declares 150 rows", "has 200")


def test_cli_names_missing_directory_and_device_inputs(tmp_path):
    _assert_one_line_error(_cli(tmp_path / "nope.ply", "--out", tmp_path / "m.glb"), "nope.ply: no such file")
    _assert_one_line_error(_cli(tmp_path, "--out", tmp_path / "m.glb"), "is a directory")
    _assert_one_line_error(_cli("/dev/zero", "--out", tmp_path / "m.glb"), "not a regular file")


def test_cli_checks_the_output_path_before_reading_or_reconstructing(tmp_path):
    # the input is missing: an output error proves the output is checked first
    (tmp_path / "file.txt").write_text("x")
    missing = tmp_path / "nope.ply"
    _assert_one_line_error(_cli(missing, "--out", tmp_path / "file.txt" / "m.glb"), "is a file, not a folder")
    _assert_one_line_error(_cli(missing, "--out", "/proc/wb-test/m.glb"), "does not accept new files")
    (tmp_path / "dir.glb").mkdir()
    _assert_one_line_error(_cli(missing, "--out", tmp_path / "dir.glb"), "is a directory")


@pytest.mark.parametrize(
    "option,value", [("--faces", -10), ("--faces", 0), ("--faces", 10**9), ("--grid", 5)]
)
def test_cli_refuses_out_of_range_options(tmp_path, option, value):
    proc = _cli(tmp_path / "nope.ply", "--out", tmp_path / "m.glb", option, value)
    _assert_one_line_error(proc, option)
    assert proc.returncode == 2


# --- issue 15: the whole job as one core function ------------------------------------------


def test_reconstruct_file_returns_a_typed_result(tmp_path):
    from core.mesh import ReconstructResult, reconstruct_file
    from core.schemas import MeshStats

    out = tmp_path / "new" / "torus.glb"
    result = reconstruct_file(_ply(tmp_path, "torus"), out, faces=3000)
    assert isinstance(result, ReconstructResult) and isinstance(result.stats, MeshStats)
    assert result.files == [out] and out.is_file()
    assert result.input_points == 4096 and result.colored and result.notes == []
    assert result.stats.watertight and result.stats.faces <= 3000
    assert result.stats.size_m == pytest.approx((1.3, 1.3, 0.3), abs=0.05)  # metres in, metres out
    assert set(result.timings) == {"read", "reconstruct", "process", "export"}
    assert result.seconds >= sum(result.timings.values()) - 0.01


@pytest.mark.parametrize(
    "kwargs,words",
    [
        ({"out": "m.dae"}, "out must end in one of .glb"),
        ({"faces": 10}, "faces must be 100 to 5,000,000"),
        ({"grid": 500}, "grid must be 32 to 160"),
        ({"out": "file.txt/m.glb"}, "is a file, not a folder"),
    ],
)
def test_reconstruct_file_checks_options_and_output_before_reading(tmp_path, kwargs, words):
    from core.mesh import reconstruct_file

    (tmp_path / "file.txt").write_text("x")
    out = tmp_path / kwargs.pop("out", "m.glb")
    with pytest.raises(ConversionError, match=words):  # the input is missing: checked first
        reconstruct_file(tmp_path / "missing.ply", out, **kwargs)
