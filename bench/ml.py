"""Local ML benchmark: Shap-E and Point-E sampling time per step and in total at their real
model sizes, with random weights (the arithmetic, hence the time, does not depend on the
weight values), on CUDA when present, else the CPU.

    .venv/bin/python bench/ml.py [--steps 2] [--grid 128] [--device auto]

Shap-E: a ShapEPipeline built from the published configuration of ``openai/shap-e`` (CLIP
ViT-L/14 text encoder, 24-layer prior of width 1,024 over 1,024 latent tokens, renderer MLP of
width 256), sampled for ``--steps`` Heun steps (two model evaluations each, classifier-free
guidance doubling the batch) and extrapolated to the default 64, then the mesh decoded at
``--grid``. Point-E runs only where its package is installed (it is not on PyPI). Published
anchors: Shap-E "in a matter of seconds" on a GPU; Point-E 1-2 minutes per sample on one GPU.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))


def real_size_shap_e(device: str):
    from diffusers import HeunDiscreteScheduler, PriorTransformer, ShapEPipeline
    from diffusers.pipelines.shap_e.renderer import ShapERenderer
    from tiny_shap_e import _tokenizer, marching_cubes_tables
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection

    tokenizer, vocab = _tokenizer(Path(tempfile.mkdtemp()) / "tok")
    text = CLIPTextModelWithProjection(
        CLIPTextConfig(
            vocab_size=vocab,
            hidden_size=768,
            intermediate_size=3072,
            num_attention_heads=12,
            num_hidden_layers=12,
            projection_dim=768,
            max_position_embeddings=77,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
        )
    )
    prior = PriorTransformer(
        num_attention_heads=16,
        attention_head_dim=64,
        num_layers=24,
        embedding_dim=1024,
        num_embeddings=1024,
        additional_embeddings=0,
        time_embed_act_fn="gelu",
        norm_in_type="layer",
        encoder_hid_proj_type=None,
        added_emb_type=None,
        embedding_proj_norm_type="layer",
        clip_embed_dim=1536,
        embedding_proj_dim=768,
    )
    renderer = ShapERenderer()  # the published defaults: 4 x 256-row projected layers, d_latent 1024
    cases, masks = marching_cubes_tables()
    renderer.mesh_decoder.cases.copy_(cases)
    renderer.mesh_decoder.masks.copy_(masks)
    scheduler = HeunDiscreteScheduler(
        beta_schedule="exp",
        num_train_timesteps=1024,
        prediction_type="sample",
        use_karras_sigmas=True,
        clip_sample=True,
        clip_sample_range=1.0,
    )
    pipe = ShapEPipeline(
        prior=prior, text_encoder=text, tokenizer=tokenizer, scheduler=scheduler, shap_e_renderer=renderer
    ).to(device)
    pipe.set_progress_bar_config(disable=True)
    params = sum(p.numel() for m in (text, prior, renderer) for p in m.parameters())
    return pipe, params


def bench_shap_e(device: str, steps: int, grid: int) -> None:
    import torch

    pipe, params = real_size_shap_e(device)
    stamps = []

    def progress_bar(iterable=None, total=None):
        for item in iterable:
            stamps.append(time.perf_counter())
            yield item

    pipe.progress_bar = progress_bar
    t0 = time.perf_counter()
    latents = pipe(
        "a red chair",
        num_inference_steps=steps,
        guidance_scale=15.0,
        output_type="latent",
        generator=torch.Generator().manual_seed(0),
    ).images
    t1 = time.perf_counter()
    per_eval = statistics.median(b - a for a, b in itertools.pairwise(stamps)) if len(stamps) > 1 else t1 - t0
    evals_64 = 2 * 64 - 1
    with torch.no_grad():
        t2 = time.perf_counter()
        with contextlib.suppress(ValueError):  # random weights may give no surface; the time counts
            pipe.shap_e_renderer.decode_to_mesh(latents[0][None], device, grid_size=grid)
        decode = time.perf_counter() - t2
    print(
        f"| shap_e | {device} | {params / 1e6:.0f} M | {per_eval:.2f} | {steps} steps: {t1 - t0:.1f} | "
        f"{per_eval * evals_64:.0f} | {decode:.1f} (grid {grid}) | {per_eval * evals_64 + decode:.0f} |"
    )


def bench_point_e(device: str) -> None:
    from core.ml.device import missing_packages

    if missing_packages("point_e"):
        print(
            f"| point_e | {device} | -- | not run: the point_e package is not installed (not on PyPI) | | | | |"
        )
        return
    import torch
    from point_e.diffusion.configs import DIFFUSION_CONFIGS, diffusion_from_config
    from point_e.diffusion.sampler import PointCloudSampler
    from point_e.models.configs import MODEL_CONFIGS, model_from_config

    dev = torch.device(device)
    base, up = (model_from_config(MODEL_CONFIGS[n], dev).eval() for n in ("base40M-textvec", "upsample"))
    sampler = PointCloudSampler(
        device=dev,
        models=[base, up],
        diffusions=[diffusion_from_config(DIFFUSION_CONFIGS[n]) for n in ("base40M-textvec", "upsample")],
        num_points=[1024, 3072],
        aux_channels=["R", "G", "B"],
        guidance_scale=[3.0, 0.0],
        model_kwargs_key_filter=("texts", ""),
    )
    stamps = [time.perf_counter()]
    for _ in sampler.sample_batch_progressive(batch_size=1, model_kwargs={"texts": ["a red chair"]}):
        stamps.append(time.perf_counter())
    steps = len(stamps) - 1
    total = stamps[-1] - stamps[0]
    print(
        f"| point_e | {device} | 40 M + 40 M | {total / steps:.2f} | {steps} steps: {total:.1f} | {total:.0f} | -- | {total:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--grid", type=int, default=128)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    from core.ml.device import choose_device

    dev = choose_device(args.device).device
    import torch

    torch.manual_seed(0)
    print(
        "| backend | device | parameters | s per model evaluation | measured | sampling, 64 steps (s) | "
        "mesh decode (s) | total (s) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    bench_shap_e(dev, args.steps, args.grid)
    bench_point_e(dev)


if __name__ == "__main__":
    main()
