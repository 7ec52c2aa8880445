"""Meshes: the two models the pipeline carries (:class:`~core.mesh.asset_mesh.AssetMesh`,
:class:`~core.mesh.textured.TexturedMesh`), processing, point-cloud reconstruction and export.

:func:`reconstruct_file` is the whole point-cloud-file-to-mesh-file job (the CLI's
``reconstruct``). Submodules import their heavy dependencies (trimesh, scipy) when used.
"""

from core.mesh.reconstruct_job import ReconstructResult, reconstruct_file

__all__ = ["ReconstructResult", "reconstruct_file"]
