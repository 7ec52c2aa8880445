"""A stand-in for OpenAI's ``point_e`` package (not on PyPI, weights not downloadable here) with
the call signatures the workbench uses: ``models.configs``, ``models.download``,
``diffusion.configs``, ``diffusion.sampler`` and ``util.pc_to_mesh``. It "samples" a coloured
sphere progressively and meshes an analytic signed distance, and records every call in
:data:`CALLS` so tests can check what the adapter asked for."""

CALLS: list[tuple[str, dict]] = []
