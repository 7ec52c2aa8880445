"""Concept images: a prompt rendered from the spec (Jinja2) sent to ``litellm.image_generation``
(OpenAI gpt-image / DALL-E, Stability, any provider LiteLLM supports). The chosen image becomes
the job's reference image. Images are validated (type, size) and cached in diskcache by
(model, prompt, count). Without an image provider nothing is generated and the UI says why.
LiteLLM docs: https://docs.litellm.ai/docs/image_generation
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.errors import LLMError, SpecError
from core.spec.model import AssetSpec
from core.types import Availability

if TYPE_CHECKING:
    from core.config import Settings


@dataclass
class ConceptImages:
    images: list[bytes]  # validated PNG bytes
    prompt: str
    model: str
    cost_usd: float | None = None
    cached: bool = False
    rejected: list[str] = field(default_factory=list)  # why some candidates were dropped


def concept_prompt(spec: AssetSpec) -> str:
    from core.prompts import render

    return render(
        "concept_image.j2",
        name=spec.name,
        style=spec.style.value,
        category=spec.category.value,
        description=spec.short_description,
        height=f"{spec.dimensions.height:.2f}",
        width=f"{spec.dimensions.width:.2f}",
        materials=[m.name for m in spec.materials],
    )


def availability(settings: Settings | None = None) -> Availability:
    """An image provider needs the same keys as the LLM writer (or LLM_API_BASE), from
    ``settings`` (default: the settings in force)."""
    from core.spec.llm import LiteLLMSpecWriter

    avail = LiteLLMSpecWriter.availability(settings)
    if avail.ok:
        return avail
    return Availability(False, "No image provider configured: " + avail.reason.split(": ", 1)[-1])


def generate_concepts(
    spec: AssetSpec, count: int = 2, model: str | None = None, settings: Settings | None = None
) -> ConceptImages:
    """Generate ``count`` (1-4) concept images of ``spec`` with ``model`` (default: the
    ``IMAGE_MODEL`` of ``settings``, which default to the settings in force).

    Raises
    ------
    SpecError
        ``count`` out of range.
    LLMError
        The provider failed, or returned no usable image (each rejection is named).
    """
    import diskcache

    from core.config import get_settings

    if not 1 <= count <= 4:
        raise SpecError("Ask for 1 to 4 concept images.")
    s = settings or get_settings()
    model = model or s.image_model
    prompt = concept_prompt(spec)
    key = "concept:" + hashlib.sha256(json.dumps([model, prompt, count, s.image_size]).encode()).hexdigest()
    with diskcache.Cache(str(s.cache_dir / "images")) as cache:
        hit = cache.get(key)
        if hit is not None:
            return ConceptImages(hit["images"], prompt, model, hit["cost_usd"], cached=True)
        response = _request_images(model, prompt, count, s)
        images, rejected = _usable_images(response)
        if not images:
            raise LLMError("The image provider returned no usable image. " + "; ".join(rejected))
        cost = _cost_usd(response, model)
        cache.set(key, {"images": images, "cost_usd": cost})
    return ConceptImages(images, prompt, model, cost, rejected=rejected)


def _request_images(model: str, prompt: str, count: int, s: Settings):
    """``litellm.image_generation``'s response for ``prompt`` (base64 wanted, ``s.image_size``,
    the LLM API base and key of ``s``). Raises ``LLMError`` when the provider fails."""
    import litellm
    import openai

    kwargs = {}
    if s.llm_api_base:
        kwargs["api_base"] = s.llm_api_base
    if s.llm_api_key:
        kwargs["api_key"] = s.llm_api_key.get_secret_value()
    try:
        return litellm.image_generation(
            model=model,
            prompt=prompt,
            n=count,
            size=s.image_size,
            response_format="b64_json",
            timeout=s.llm_timeout_s,
            num_retries=s.llm_retries,
            drop_params=True,
            **kwargs,
        )
    except openai.OpenAIError as e:
        raise LLMError(
            f"Image generation with {model} failed: {type(e).__name__}: {str(e)[:200]}",
            "Check the key / LLM_API_BASE, or skip this step.",
        ) from e


def _usable_images(response) -> tuple[list[bytes], list[str]]:
    """The response's images (base64 data, or a URL fetched) validated as PNG bytes, and why
    each rejected one was dropped ("image 2: ...")."""
    from core.images import validate_reference_image

    images, rejected = [], []
    for i, item in enumerate(response.data or []):
        b64 = getattr(item, "b64_json", None) or (item.get("b64_json") if isinstance(item, dict) else None)
        url = getattr(item, "url", None) or (item.get("url") if isinstance(item, dict) else None)
        try:
            raw = base64.b64decode(b64, validate=True) if b64 else _download(url)
            images.append(validate_reference_image(raw).png)
        except (SpecError, ValueError) as e:
            rejected.append(f"image {i + 1}: {e}")
    return images, rejected


def _cost_usd(response, model: str) -> float | None:
    """What LiteLLM says the images cost, or None when it does not know."""
    import litellm

    try:
        return float(litellm.completion_cost(completion_response=response, model=model))
    except Exception:
        return None


def _download(url: str | None, limit: int = 10 * 1024 * 1024) -> bytes:
    """Fetch a provider's image URL (some return URLs instead of base64), size-limited."""
    import httpx

    if not url or not url.startswith(("https://", "http://")):
        raise SpecError("The provider returned neither image data nor an image URL.")
    try:
        with httpx.stream("GET", url, timeout=30.0, follow_redirects=True) as r:
            r.raise_for_status()
            data = b""
            for chunk in r.iter_bytes():
                data += chunk
                if len(data) > limit:
                    raise SpecError("The image at the provider's URL is larger than 10 MB.")
            return data
    except httpx.HTTPError as e:
        raise SpecError(f"Could not download the image: {e}") from e
