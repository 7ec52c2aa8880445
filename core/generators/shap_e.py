"""Shap-E (OpenAI, Jun & Nichol 2023, https://arxiv.org/abs/2305.02463) through Hugging Face
diffusers: text (``ShapEPipeline``) or a reference image (``ShapEImg2ImgPipeline``) -> latent
-> coloured mesh, locally.

The pipeline is asked for latents (``output_type="latent"``) and the mesh is decoded with the
pipeline's own renderer, ``ShapERenderer.decode_to_mesh`` (marching cubes over the predicted
signed distance, colours from its texture head), at ``SHAP_E_GRID`` cells. Weights load with
``from_pretrained`` from ``SHAP_E_MODEL`` / ``SHAP_E_IMAGE_MODEL`` (Hub ids, downloaded once
into ``ML_CACHE_DIR``, or local folders), fp16 on CUDA, once per process. Progress is reported
per diffusion step and the job can be cancelled between steps.

Docs: https://huggingface.co/docs/diffusers/api/pipelines/shap_e
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.errors import BackendUnavailable, GenerationError
from core.generators.base import Availability, CancelToken, GenerationContext, GenerationResult, Progress
from core.generators.local_ml import MODEL_LOCK, LocalMLGenerator, colored_mesh_glb, local_prompt
from core.spec.model import AssetSpec

if TYPE_CHECKING:
    from core.config import Settings


def _is_local(model: str) -> bool:
    return Path(model).expanduser().exists() or model.startswith((".", "/", "~"))


@lru_cache(maxsize=2)
def load_pipeline(model: str, image: bool, device: str, dtype: str, cache_dir: str):
    """The diffusers pipeline for ``model`` on ``device`` (loaded once per process).

    Raises
    ------
    BackendUnavailable
        The weights are not there and cannot be downloaded (offline, wrong id or folder).
    """
    import torch
    from diffusers import ShapEImg2ImgPipeline, ShapEPipeline

    cls = ShapEImg2ImgPipeline if image else ShapEPipeline
    kwargs = {"torch_dtype": getattr(torch, dtype)}
    if dtype == "float16" and not _is_local(model):
        kwargs["variant"] = "fp16"
    try:
        pipe = cls.from_pretrained(model, cache_dir=cache_dir, **kwargs)
    except (OSError, ValueError) as e:
        if "variant" in kwargs:  # not every repository publishes fp16 files
            kwargs.pop("variant")
            try:
                pipe = cls.from_pretrained(model, cache_dir=cache_dir, **kwargs)
            except (OSError, ValueError) as e2:
                raise _weights_error(model, e2) from e2
        else:
            raise _weights_error(model, e) from e
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(device)


def _weights_error(model: str, error: Exception) -> BackendUnavailable:
    return BackendUnavailable(
        f"Shap-E weights '{model}' could not be loaded: {str(error).splitlines()[0][:200]}",
        "Allow the first download from huggingface.co (about 2.5 GB into ML_CACHE_DIR), or point "
        "SHAP_E_MODEL / SHAP_E_IMAGE_MODEL at a folder saved with save_pretrained().",
    )


class ShapEGenerator(LocalMLGenerator):
    """Text or image -> coloured mesh with Shap-E, on CUDA / MPS / CPU."""

    name = "shap_e"
    label = "Shap-E (local ML)"
    packages = ("torch", "diffusers", "transformers")

    @classmethod
    def weights_availability(cls, settings: Settings | None = None) -> Availability:
        """Whether ``SHAP_E_MODEL`` / ``SHAP_E_IMAGE_MODEL`` of ``settings`` (default: the
        settings in force) are pipeline folders, or Hub ids downloaded on first use."""
        from core.config import get_settings

        s = settings or get_settings()
        for model in (s.shap_e_model, s.shap_e_image_model):
            if _is_local(model) and not (Path(model).expanduser() / "model_index.json").is_file():
                return Availability(False, f"no Shap-E pipeline at {model} (model_index.json missing)")
        if not _is_local(s.shap_e_model):
            return Availability(
                True, f"weights '{s.shap_e_model}' download on first use into {s.ml_cache_dir}"
            )
        return Availability(True)

    def generate(
        self,
        spec: AssetSpec,
        *,
        seed: int = 0,
        cancel: CancelToken | None = None,
        context: GenerationContext | None = None,
    ) -> Iterator[Progress | GenerationResult]:
        """Sample a latent (text or image prompt), decode it to a coloured mesh, write a GLB.

        Raises
        ------
        BackendUnavailable
            torch / diffusers missing, device missing, weights not loadable.
        GenerationError
            Out of GPU memory (with what to change), or an empty mesh.
        JobCancelled
            Cancelled between diffusion steps.
        """
        s = self.settings
        cancel, workdir, image_path, dev = self._setup(cancel, context)
        model = s.shap_e_image_model if image_path else s.shap_e_model
        yield Progress(
            0.01, f"Loading Shap-E ({model}) on {dev.device}" + (f" -- {dev.warning}" if dev.warning else "")
        )
        pipe = load_pipeline(model, image_path is not None, dev.device, dev.dtype, str(s.ml_cache_dir))
        run = _Sampling(s, pipe, dev.device, image_path, local_prompt(spec), seed)
        try:
            verts, faces, rgb = yield from self._run_model(run, cancel, OOM_HINT)
        except ValueError as e:  # diffusers' decoder fails with torch.cat([]) on an empty surface
            raise GenerationError("Shap-E produced an empty mesh.", "Try another seed or description.") from e
        path = colored_mesh_glb(verts, faces, rgb, workdir / "shap_e.glb")
        info = {
            "model": model,
            "device": dev.device,
            "dtype": dev.dtype,
            "steps": s.shap_e_steps,
            "prompt": run.prompt,
            "mode": "image" if image_path else "text",
            "grid": s.shap_e_grid,
        }
        if dev.warning:
            info["warning"] = dev.warning
        yield GenerationResult(file=path, info=info)


OOM_HINT = (
    "Lower SHAP_E_GRID, keep ML_DTYPE=auto (fp16), close other GPU jobs, or set ML_DEVICE=cpu; "
    "Resume retries the job."
)


@dataclass(frozen=True)
class _Sampling:
    """One Shap-E run on the loaded ``pipe``, called in the worker thread with
    ``report(fraction, message)``; ``image_path`` None for text."""

    settings: Settings
    pipe: object
    device: str
    image_path: Path | None
    prompt: str
    seed: int

    def __call__(self, report) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Sample the latent (seeded, progress per denoising step), decode it with marching
        cubes (``SHAP_E_GRID``): ``(vertices, faces, RGB in [0, 1] or None)``, +Z up. One
        sampling at a time per process (``MODEL_LOCK``)."""
        import torch
        from PIL import Image

        s, pipe = self.settings, self.pipe
        generator = torch.Generator(device="cpu").manual_seed(self.seed)
        kwargs = {"num_inference_steps": s.shap_e_steps, "generator": generator, "output_type": "latent"}
        with MODEL_LOCK:
            pipe.progress_bar = self._progress_bar(report)  # diffusers' hook around the denoising loop
            try:
                if self.image_path is not None:
                    image = Image.open(self.image_path).convert("RGB")
                    latents = pipe(image=image, guidance_scale=s.shap_e_image_guidance, **kwargs).images
                else:
                    latents = pipe(self.prompt, guidance_scale=s.shap_e_guidance, **kwargs).images
                report(0.87, f"Decoding the mesh ({s.shap_e_grid}³ marching cubes)")
                with torch.no_grad():
                    mesh = pipe.shap_e_renderer.decode_to_mesh(
                        latents[0][None], self.device, grid_size=s.shap_e_grid
                    )
            finally:
                del pipe.progress_bar
        rgb = None
        if mesh.vertex_channels:
            rgb = np.stack([mesh.vertex_channels[c].float().cpu().numpy() for c in ("R", "G", "B")], axis=1)
        return mesh.verts.float().cpu().numpy(), mesh.faces.cpu().numpy(), rgb

    def _progress_bar(self, report):
        """A stand-in for diffusers' ``progress_bar`` that reports each model evaluation."""
        calls = {"n": 0}
        steps, device = self.settings.shap_e_steps, self.device

        def progress_bar(iterable=None, total=None):
            n = total or (len(iterable) if iterable is not None else steps)
            for item in iterable:
                calls["n"] += 1
                report(0.05 + 0.8 * calls["n"] / max(n, 1), f"Shap-E step {calls['n']}/{n} on {device}")
                yield item

        return progress_bar
