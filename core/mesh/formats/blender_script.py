"""Runs inside Blender (``blender -b --factory-startup -P this.py -- JOB.json``).

The job (written by ``blender.blender_job``) is
``{"imports": [{"glb": path, "name": object name?, "collision": name prefix?}],
"group": name or null, "outputs": [paths]}``:

- every GLB is imported (Blender's glTF importer: Principled BSDF materials with image
  textures); its meshes get their world transforms applied and lose their parents;
- with ``name`` they are joined into one object of that name (``<name>_LOD0``, ...); with
  ``collision`` each becomes ``<collision>_00``, ``_01``, ... (``UCX_<name>_NN``);
- later LODs use the first LOD's materials of the same name, and every packed image gets its
  own file name, so the FBX embeds each image once and each texture its own image;
- with ``group`` the named LOD objects become children of an empty of that name whose FBX
  type is ``LodGroup`` (Blender's FBX exporter writes an empty's ``fbx_type`` property as its
  node attribute), which Unity and Unreal import as a LOD group.

Each output is written (.fbx via the FBX exporter with textures embedded, .blend via
save_as_mainfile), then re-opened in an empty scene, and one JSON line per file is printed:
``{"file": ..., "vertices": N, "source_vertices": M}`` so the caller can check the round trip.
Uses only Blender's bundled Python; never imports the workbench.
"""

import json
import re
import sys

import bpy
import numpy
from mathutils import Matrix

# Blender 3.4's glTF importer still uses the ``np.bool`` alias that numpy 1.24 removed
# (Debian bookworm ships both); restore the alias for that importer.
if "bool" not in numpy.__dict__:
    numpy.bool = numpy.bool_


def mesh_vertex_count():
    return sum(len(o.data.vertices) for o in bpy.data.objects if o.type == "MESH")


def reset():
    bpy.ops.wm.read_factory_settings(use_empty=True)


def import_meshes(path):
    """Import the GLB at ``path``; its mesh objects, world transforms applied, unparented,
    sorted by name (other imported objects are removed)."""
    before = set(bpy.data.objects)
    bpy.ops.import_scene.gltf(filepath=path)
    new = [o for o in bpy.data.objects if o not in before]
    meshes = sorted((o for o in new if o.type == "MESH"), key=lambda o: o.name)
    worlds = {o.name: o.matrix_world.copy() for o in meshes}
    for o in meshes:
        if o.data.users > 1:
            o.data = o.data.copy()
        o.data.transform(worlds[o.name])
        o.parent = None
        o.matrix_world = Matrix.Identity(4)
    for o in new:
        if o.type != "MESH":
            bpy.data.objects.remove(o, do_unlink=True)
    return meshes


def join(meshes, name):
    """Join ``meshes`` into one object called ``name`` (its mesh data too); returns it."""
    if len(meshes) > 1:
        for o in bpy.context.view_layer.objects:
            o.select_set(False)
        for o in meshes:
            o.select_set(True)
        bpy.context.view_layer.objects.active = meshes[0]
        bpy.ops.object.join()
    obj = meshes[0]
    obj.name = name
    obj.data.name = name
    return obj


def share_materials(obj, materials):
    """Give ``obj`` the materials of an earlier LOD with the same name (Blender renamed the
    copies ``wood.001``), so each material and its images are exported once."""
    for slot in obj.material_slots:
        mat = slot.material
        if mat is None:
            continue
        base = re.sub(r"\.\d{3}$", "", mat.name)
        if base in materials and materials[base] is not mat:
            slot.material = materials[base]
        else:
            materials.setdefault(base, mat)


def name_images():
    """Give every packed image its own file name: the FBX exporter embeds one image per
    file path, and images read from a GLB all have an empty one."""
    used = set()
    for img in bpy.data.images:
        if img.packed_file is None:
            continue
        ext = ".jpg" if img.file_format == "JPEG" else ".png"
        stem = re.sub(r"[^A-Za-z0-9_-]+", "_", img.name) or "image"
        name, i = stem + ext, 1
        while name in used:
            i += 1
            name = f"{stem}_{i}{ext}"
        used.add(name)
        img.filepath_raw = "//textures/" + name


def build_scene(job):
    """Import and name everything ``job`` lists (see the module docstring)."""
    lods, materials = [], {}
    for item in job["imports"]:
        meshes = import_meshes(item["glb"])
        if item.get("collision"):
            for i, o in enumerate(meshes):
                o.name = o.data.name = f"{item['collision']}_{i:02d}"
                o.data.materials.clear()
        elif item.get("name") and meshes:
            lods.append(join(meshes, item["name"]))
            share_materials(lods[-1], materials)
    name_images()
    if job.get("group"):
        group = bpy.data.objects.new(job["group"], None)
        group["fbx_type"] = "LodGroup"
        bpy.context.scene.collection.objects.link(group)
        for obj in lods:
            obj.parent = group


def write(out):
    if out.endswith(".fbx"):
        bpy.ops.export_scene.fbx(
            filepath=out,
            use_selection=False,
            axis_forward="-Z",
            axis_up="Y",
            apply_unit_scale=True,
            object_types={"MESH", "EMPTY"},
            path_mode="COPY",
            embed_textures=True,
        )
    elif out.endswith(".blend"):
        bpy.ops.wm.save_as_mainfile(filepath=out, compress=True, copy=True)
    else:
        raise SystemExit(f"unsupported output {out}")


def main(argv):
    with open(argv[0]) as f:
        job = json.load(f)
    reset()
    build_scene(job)
    source_vertices = mesh_vertex_count()
    for out in job["outputs"]:
        write(out)
    for out in job["outputs"]:
        reset()
        if out.endswith(".fbx"):
            bpy.ops.import_scene.fbx(filepath=out)
        else:
            bpy.ops.wm.open_mainfile(filepath=out)
        print(
            "WORKBENCH_RESULT "
            + json.dumps({"file": out, "vertices": mesh_vertex_count(), "source_vertices": source_vertices}),
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[sys.argv.index("--") + 1 :])
