"""What a job is asked to make: :class:`JobRequest`, checked in one place before any job
folder is written.

The CLI, the Generate page and the tests build a request; :meth:`core.jobs.pipeline.Job.create`
turns it into the job's first checkpoint with :meth:`JobRequest.inputs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.errors import SpecError, clip
from core.formats import DEFAULT_FORMATS
from core.schemas import Costs

if TYPE_CHECKING:
    from core.config import Settings
    from core.jobs.checkpoint import JobInputs
    from core.spec.model import AssetSpec

REFERENCE_FILE = "reference.png"  # the reference image's name in the job folder and the asset


@dataclass(frozen=True)
class JobRequest:
    """One asset to generate, checked when it is built (nothing is written yet).

    ``description``: what to make; normalised (NFC, control characters removed, cut to 1000
    characters, which ``warnings`` then says). ``writer``: spec writer name
    (:data:`core.spec.writers.WRITERS`); ``model``: its LiteLLM model. ``backend``: 3D generator
    (:data:`core.generators.GENERATORS`). ``fallbacks``: backends tried in order when ``backend``
    fails for a reason retrying cannot fix (no key, no credits, failed task); ``None`` takes the
    ``GENERATOR_FALLBACKS`` setting; the backend itself and repeats are dropped. ``formats``:
    export format names (:data:`core.formats.FORMATS`), repeats dropped, empty means
    :data:`~core.formats.DEFAULT_FORMATS` (both kept as tuples). ``seed``: 0 to 2**32 - 1.
    ``style``: style override. ``spec`` (an :class:`~core.spec.model.AssetSpec`) skips the spec writer: the job uses it as
    given. ``reference_image``: image bytes (PNG/JPEG/WebP), kept as clean PNG bytes; backends
    that accept images generate from it. ``costs``: what was already spent for this asset
    (concept images), a :class:`~core.schemas.Costs` or its flat dict form. ``texture_size``
    (pixels: 512, 1024, 2048; 0 for flat colours) and ``collision`` (none, hull,
    decomposition): how the exports look; None takes the ``TEXTURE_SIZE`` / ``COLLISION``
    setting.

    Raises
    ------
    SpecError
        Empty description or one that is not UTF-8, unknown format, seed out of range, a
        reference image that is not a usable picture, costs that are not a ``Costs``.
    UnknownBackendError
        Unknown writer, backend or fallback (the message lists the known ones).
    """

    description: str
    writer: str = "builtin"
    model: str | None = None
    backend: str = "procedural"
    fallbacks: Sequence[str] | None = None
    formats: Sequence[str] = DEFAULT_FORMATS
    seed: int = 0
    style: str | None = None
    spec: AssetSpec | None = None
    reference_image: bytes | None = None
    costs: Costs = field(default_factory=Costs)
    texture_size: int | None = None
    collision: str | None = None
    warnings: tuple[str, ...] = field(default=(), init=False, compare=False)

    def __post_init__(self) -> None:
        from core.generators import GENERATORS
        from core.spec.builtin import clean_description
        from core.spec.writers import WRITERS

        text, warnings = clean_description(self.description)
        WRITERS.get(self.writer)  # unknown names fail here, listing the known ones
        GENERATORS.get(self.backend)
        fallbacks = None
        if self.fallbacks is not None:
            fallbacks = _without(self.fallbacks, self.backend)
            for name in fallbacks:
                GENERATORS.get(name)
        if not 0 <= self.seed < 2**32:
            raise SpecError(f"Seed {self.seed} is out of range.", "Use 0 to 4294967295.")
        _check_looks(self.texture_size, self.collision)
        normalised = {
            "description": text,
            "warnings": tuple(warnings),
            "fallbacks": fallbacks,
            "formats": _check_formats(self.formats),
            "reference_image": _png(self.reference_image),
            "costs": _costs(self.costs),
        }
        for name, value in normalised.items():
            object.__setattr__(self, name, value)  # a frozen dataclass, normalised once

    def inputs(self, settings: Settings) -> JobInputs:
        """The checkpoint's record of this request under ``settings``: fallbacks default to
        ``GENERATOR_FALLBACKS``, the store is ``ASSET_STORE``, the texture size and collision
        are the request's or else ``TEXTURE_SIZE`` and ``COLLISION``, the writer is ``user`` when a
        spec was given, the reference image is the job folder's ``reference.png``.

        Raises
        ------
        UnknownBackendError
            A fallback from the settings or the store is unknown.
        SpecError
            A name too long for a checkpoint, or text that cannot be written as UTF-8.
        """
        from pydantic import ValidationError

        from core.generators import GENERATORS
        from core.jobs.checkpoint import JobInputs
        from core.storage import STORES

        fallbacks = self.fallbacks
        if fallbacks is None:
            fallbacks = _without(settings.generator_fallbacks, self.backend)
            for name in fallbacks:
                GENERATORS.get(name)
        STORES.get(settings.asset_store)
        try:
            inputs = JobInputs(
                description=self.description,
                writer="user" if self.spec is not None else self.writer,
                model=self.model,
                backend=self.backend,
                fallbacks=list(fallbacks),
                formats=list(self.formats),
                seed=self.seed,
                style=self.style,
                reference_image=REFERENCE_FILE if self.reference_image is not None else None,
                store=settings.asset_store,
                texture_size=settings.texture_size if self.texture_size is None else self.texture_size,
                collision=settings.collision if self.collision is None else self.collision,
                costs=self.costs,
            )
            inputs.model_dump_json()  # text that cannot be written as UTF-8 fails here, not half-way
        except (ValidationError, ValueError) as e:
            from core.spec.io import format_validation_error

            why = format_validation_error(e) if isinstance(e, ValidationError) else str(e)
            raise SpecError(f"Invalid job inputs: {why[:300]}") from None
        return inputs


def _without(names, backend: str) -> tuple[str, ...]:
    """``names`` in order, repeats and ``backend`` dropped."""
    return tuple(b for b in dict.fromkeys(names) if b != backend)


def _check_looks(texture_size: int | None, collision: str | None) -> None:
    from core.types import COLLISION_MODES, TEXTURE_SIZE_CHOICES

    if texture_size is not None and texture_size not in TEXTURE_SIZE_CHOICES:
        raise SpecError(
            f"Texture size {clip(str(texture_size), 20)} is not one of the sizes.",
            "Use 512, 1024 or 2048 pixels, or 0 for flat colours.",
        )
    if collision is not None and collision not in COLLISION_MODES:
        raise SpecError(
            f"Unknown collision mode {clip(str(collision), 40)!r}.",
            f"Choose from {', '.join(COLLISION_MODES)}.",
        )


def _check_formats(formats) -> tuple[str, ...]:
    from core.formats import FORMATS

    chosen = tuple(dict.fromkeys(formats or DEFAULT_FORMATS))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise SpecError(
            f"Unknown export format(s): {', '.join(map(str, unknown))}.",
            f"Choose from {', '.join(FORMATS)}.",
        )
    return chosen


def _costs(costs: Costs | dict | None) -> Costs:
    if isinstance(costs, Costs):
        return costs
    from pydantic import ValidationError

    try:
        return Costs.model_validate(costs or {})
    except ValidationError as e:
        from core.spec.io import format_validation_error

        raise SpecError(f"Invalid job costs: {format_validation_error(e, limit=1)[:300]}") from None


def _png(image: bytes | None) -> bytes | None:
    """The reference image as clean PNG bytes (:func:`core.images.validate_reference_image`)."""
    if image is None:
        return None
    from core.images import validate_reference_image

    return validate_reference_image(image).png


__all__ = ["REFERENCE_FILE", "JobRequest"]
