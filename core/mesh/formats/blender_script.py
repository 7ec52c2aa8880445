"""Runs inside Blender (``blender -b --factory-startup -P this.py -- IN.glb OUT.fbx ...``).

Imports a GLB, writes each output (.fbx via the FBX exporter with textures embedded, .blend
via save_as_mainfile),
then re-opens every output in an empty scene and prints one JSON line per file:
``{"file": ..., "vertices": N, "source_vertices": M}`` so the caller can check the round trip.
Uses only Blender's bundled Python; never imports the workbench.
"""

import json
import sys

import bpy
import numpy

# Blender 3.4's glTF importer still uses the ``np.bool`` alias that numpy 1.24 removed
# (Debian bookworm ships both); restore the alias for that importer.
if "bool" not in numpy.__dict__:
    numpy.bool = numpy.bool_


def mesh_vertex_count():
    return sum(len(o.data.vertices) for o in bpy.data.objects if o.type == "MESH")


def reset():
    bpy.ops.wm.read_factory_settings(use_empty=True)


def main(argv):
    src, outputs = argv[0], argv[1:]
    reset()
    bpy.ops.import_scene.gltf(filepath=src)
    source_vertices = mesh_vertex_count()
    for out in outputs:
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
    for out in outputs:
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
