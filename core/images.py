"""Reference images: validated by content (not extension), bounded in bytes and pixels."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from core.errors import SpecError
from core.formats import OTHER_CONTENT_TYPES

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 4096
MIN_SIDE = 16
# the image formats accepted (Pillow's format names) and their MIME types
IMAGE_MIME_TYPES = {
    "PNG": OTHER_CONTENT_TYPES[".png"],
    "JPEG": OTHER_CONTENT_TYPES[".jpg"],
    "WEBP": OTHER_CONTENT_TYPES[".webp"],
}


@dataclass(frozen=True)
class ReferenceImage:
    """A validated image, re-encoded as PNG (metadata stripped)."""

    png: bytes
    width: int
    height: int
    source_format: str


def validate_reference_image(data: bytes, max_bytes: int = MAX_BYTES) -> ReferenceImage:
    """Check an uploaded image and return it as clean PNG bytes.

    The type is read from the bytes (a PNG renamed .jpg is a PNG); the file must be at most
    ``max_bytes`` and at most 4096 x 4096 pixels; decompression bombs are refused before
    their pixels are decoded.

    Raises
    ------
    SpecError
        Empty, too large, not PNG/JPEG/WebP, corrupt, or too many pixels.
    """
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise SpecError("The reference image is empty.")
    if len(data) > max_bytes:
        raise SpecError(
            f"The reference image is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB.",
            "Resize or compress it.",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format
                width, height = img.size
                if fmt not in IMAGE_MIME_TYPES:
                    raise SpecError(
                        f"The reference image is {fmt or 'an unknown format'}; use PNG, JPEG or WebP."
                    )
                if max(width, height) > MAX_SIDE or min(width, height) < MIN_SIDE:
                    raise SpecError(
                        f"The reference image is {width} x {height} pixels; sides must be "
                        f"{MIN_SIDE}-{MAX_SIDE} pixels."
                    )
                img.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                out = io.BytesIO()
                img.convert("RGBA" if "A" in img.getbands() else "RGB").save(out, format="PNG")
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as e:
        raise SpecError(f"The file is not a usable image ({type(e).__name__}).") from e
    except (OSError, SyntaxError, ValueError) as e:  # PIL reports truncated/corrupt data so
        raise SpecError(f"The image is corrupt: {e}") from e
    return ReferenceImage(out.getvalue(), width, height, fmt)


def read_reference_image(path, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of an image file, reading at most ``max_bytes + 1`` of it (a huge or endless
    file such as ``/dev/zero`` is refused without filling memory); validate them with
    :func:`validate_reference_image`.

    Raises
    ------
    SpecError
        The file cannot be read (missing, a folder, no permission) or is over ``max_bytes``.
    """
    from pathlib import Path

    from core.fsutil import read_bytes_limited

    shown = str(path) if len(str(path)) <= 120 else f"...{str(path)[-100:]}"
    try:
        data = read_bytes_limited(Path(path), max_bytes)
    except OSError as e:
        raise SpecError(f"Cannot read the image {shown}: {e.strerror or e}.") from None
    if len(data) > max_bytes:
        raise SpecError(
            f"The image {shown} is larger than {max_bytes / 1e6:.0f} MB.", "Resize or compress it."
        )
    return data
