"""A tiny, randomly initialised Shap-E pipeline (diffusers ``ShapEPipeline``) saved to a folder,
so the ``shap_e`` backend's real code path (from_pretrained, sampling, mesh decoding, colours,
export) runs on CPU in seconds without downloading OpenAI's weights.

Every component is the real diffusers / transformers class with small configs: a CLIP text
encoder with a character-level BPE vocabulary written here, a one-layer prior, a Heun
scheduler with Shap-E's settings and a renderer whose MLP has 8 hidden units. Two things a
random model lacks are filled in: the renderer's marching-cubes lookup tables (buffers that
OpenAI's checkpoint carries; derived here by running scikit-image's marching cubes on each
of the 256 cube configurations), and a decoder whose signed distance has a surface: its MLP
weights are set (independently of the latents) so that the SDF is that of an octahedron of
radius 0.5 and the colour varies with position, so tests can check shape, scale and colour.
"""

from __future__ import annotations

import json
from pathlib import Path

EMBED = 16  # prior embedding size = renderer latent size
ROWS = 8  # renderer hidden units = latent rows per projected layer


def _tokenizer(folder: Path):
    from transformers import CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789.,-":
        vocab[ch] = len(vocab)
        vocab[ch + "</w>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=77), len(
        vocab
    )


def marching_cubes_tables():
    """``(cases (256, 5, 3) long, masks (256, 5) bool)`` in the layout of diffusers'
    ``MeshDecoder``: corner ``c = x + 2y + 4z`` is bit ``c`` (set = inside, field > 0); local
    edges 0-3 run along x at (y, z) = (0,0), (1,0), (0,1), (1,1); 4-7 along y at (x, z) in
    the same order; 8-11 along z at (x, y)."""
    import numpy as np
    import torch
    from skimage.measure import marching_cubes

    cases = torch.zeros(256, 5, 3, dtype=torch.long)
    masks = torch.zeros(256, 5, dtype=torch.bool)
    for config in range(1, 255):
        vol = np.array(
            [
                [[1.0 if config >> (x + 2 * y + 4 * z) & 1 else -1.0 for z in (0, 1)] for y in (0, 1)]
                for x in (0, 1)
            ]
        )
        verts, faces, _, _ = marching_cubes(vol, level=0.0, gradient_direction="descent")
        edges = []
        for v in np.round(verts * 2).astype(int):  # 1 on the edge's axis, 0 or 2 elsewhere
            axis = int(np.flatnonzero(v == 1)[0])
            a, b = (v[[i for i in range(3) if i != axis]] // 2).tolist()
            edges.append(4 * axis + a + 2 * b)
        for t, face in enumerate(faces[:5]):
            cases[config, t] = torch.tensor([edges[i] for i in face])
            masks[config, t] = True
    return cases, masks


def _octahedron_decoder(renderer, k: float = 10.0, c: float = 10.0, radius: float = 0.5) -> None:
    """Make the renderer's MLP compute sdf = tanh(a * (radius - |x|_1)) (positive inside) and
    colours that follow +x, +y, +z, whatever the latents.

    Layer 0 takes +-k times the raw x, y, z inputs (SiLU(kx) + SiLU(-kx) ~ k|x|); layers 1-5
    pass them on with a bias ``c`` that keeps SiLU in its linear range; the last layer sums
    them. Layers 0-3 are produced by ``params_proj``: LayerNorm gain 0 and the projection's
    bias set to the wanted weights make them ignore the latents.
    """
    import torch

    mlp = renderer.mlp.mlp
    w0 = torch.zeros(ROWS, 93)
    for axis in range(3):
        w0[2 * axis, axis], w0[2 * axis + 1, axis] = k, -k
    eye = torch.eye(ROWS)
    wanted = {
        "nerstf.mlp.0.weight": w0,
        "nerstf.mlp.1.weight": eye,
        "nerstf.mlp.2.weight": eye,
        "nerstf.mlp.3.weight": eye,
    }
    for name, proj in renderer.params_proj.projections.items():
        proj.norm.weight.zero_()
        proj.norm.bias.zero_()
        proj.proj.bias.copy_(wanted[name.replace("__", ".")].flatten())
    for i in range(len(mlp)):
        mlp[i].weight.zero_()
        mlp[i].bias.zero_()
    for i in range(1, 6):
        mlp[i].weight[:, :ROWS] = eye
        mlp[i].bias.fill_(c)
    alpha = 0.5
    last = mlp[-1]
    last.weight[0, :6] = -alpha
    last.bias[0] = alpha * (5 * c * 6 + k * radius)  # undo the offsets; zero on |x|_1 = radius
    for channel, unit in ((3, 0), (4, 2), (5, 4)):  # stf RGB from the +x, +y, +z units
        last.weight[channel, unit] = 1.0
        last.bias[channel] = -5 * c - 1.0


def build_tiny_shap_e(folder: Path, seed: int = 0) -> Path:
    """Build the pipeline and ``save_pretrained`` it to ``folder``; returns ``folder``."""
    import torch
    from diffusers import HeunDiscreteScheduler, PriorTransformer, ShapEPipeline
    from diffusers.pipelines.shap_e.renderer import ShapERenderer
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection

    torch.manual_seed(seed)
    tokenizer, vocab_size = _tokenizer(Path(folder) / "_tokenizer_src")
    text_encoder = CLIPTextModelWithProjection(
        CLIPTextConfig(
            vocab_size=vocab_size,
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            projection_dim=EMBED,
            max_position_embeddings=77,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
        )
    )
    prior = PriorTransformer(
        num_attention_heads=2,
        attention_head_dim=8,
        num_layers=1,
        embedding_dim=EMBED,
        num_embeddings=4 * ROWS,
        additional_embeddings=0,
        time_embed_act_fn="gelu",
        norm_in_type="layer",
        encoder_hid_proj_type=None,
        added_emb_type=None,
        embedding_proj_norm_type="layer",
        clip_embed_dim=2 * EMBED,
        embedding_proj_dim=EMBED,
    )
    renderer = ShapERenderer(
        param_shapes=((ROWS, 93), (ROWS, ROWS), (ROWS, ROWS), (ROWS, ROWS)),
        d_latent=EMBED,
        d_hidden=ROWS,
        n_output=12,
        background=(0.1, 0.1, 0.1),
    )
    scheduler = HeunDiscreteScheduler(
        beta_schedule="exp",
        num_train_timesteps=1024,
        prediction_type="sample",
        use_karras_sigmas=True,
        clip_sample=True,
        clip_sample_range=1.0,
    )
    with torch.no_grad():
        cases, masks = marching_cubes_tables()
        renderer.mesh_decoder.cases.copy_(cases)
        renderer.mesh_decoder.masks.copy_(masks)
        _octahedron_decoder(renderer)
    pipe = ShapEPipeline(
        prior=prior,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=scheduler,
        shap_e_renderer=renderer,
    )
    pipe.save_pretrained(str(folder))
    return Path(folder)
