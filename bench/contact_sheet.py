"""Contact sheet of the built-in writer: descriptions rendered by the pipeline's own code
(built-in writer -> procedural backend -> PyVista off-screen), each labelled with the
description and the template it became.

    .venv/bin/python bench/contact_sheet.py [--set FILE] [--count 48] [--out docs/screenshots/templates.png]
    .venv/bin/python bench/contact_sheet.py --prompts ../shared/prompts/game_assets.txt --texture-size 1024 --out t.png

By default it takes an even spread of the evaluation set (``bench/data/descriptions.tsv``),
every genre represented, plus the four descriptions of issue 11's "done when".
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DONE_WHEN = [
    "wooden cart with two wheels",
    "mailbox on a post",
    "a ceramic teapot with floral patterns",
    "a golden retriever with a blue bowtie",
]


def pick(path: Path, count: int) -> list[str]:
    from bench.specs import read_set

    rows = read_set(path)
    by_genre: dict[str, list[str]] = {}
    for text, _, genre in rows:
        by_genre.setdefault(genre, []).append(text)
    out = list(DONE_WHEN)
    i = 0
    while len(out) < count and any(by_genre.values()):
        for genre in sorted(by_genre):
            texts = by_genre[genre]
            step = max(len(texts) // 6, 1)
            k = (i * step) % max(len(texts), 1)
            if texts:
                t = texts.pop(k)
                if t not in out and len(out) < count:
                    out.append(t)
        i += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=REPO / "bench" / "data" / "descriptions.tsv")
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--cols", type=int, default=8)
    parser.add_argument("--tile", type=int, default=240)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots" / "templates.png")
    parser.add_argument(
        "--prompts", type=Path, help="One description a line instead of --set (e.g. the shared prompts)."
    )
    parser.add_argument("--texture-size", type=int, help="TEXTURE_SIZE for the renders (0: flat colours).")
    args = parser.parse_args()

    from PIL import Image, ImageDraw, ImageFont

    from core.config import get_settings
    from core.render import render_spec_preview
    from core.spec.builtin import BuiltinSpecWriter

    settings = get_settings()
    texture_size = settings.texture_size if args.texture_size is None else args.texture_size
    writer = BuiltinSpecWriter()
    if args.prompts:
        texts = [ln.strip() for ln in args.prompts.read_text().splitlines() if ln.strip()][: args.count]
    else:
        texts = pick(args.set, args.count)
    tile, label_h = args.tile, 44
    rows = (len(texts) + args.cols - 1) // args.cols
    sheet = Image.new("RGB", (args.cols * tile, rows * (tile + label_h)), "#1e2127")
    draw = ImageDraw.Draw(sheet)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 12)
    except OSError:
        font = ImageFont.load_default()
    for n, text in enumerate(texts):
        result = writer.write(text)
        png = render_spec_preview(result.spec, tile, texture_size=texture_size, cache_dir=settings.cache_dir)
        img = Image.open(io.BytesIO(png)).convert("RGB").resize((tile, tile))
        x, y = (n % args.cols) * tile, (n // args.cols) * (tile + label_h)
        sheet.paste(img, (x, y))
        label = text if len(text) <= 36 else text[:35] + "…"
        draw.text((x + 4, y + tile + 3), label, fill="#e8e8e8", font=font)
        colour = "#f0b040" if result.fallback else "#8fc9ff"
        draw.text((x + 4, y + tile + 21), f"→ {result.archetype}", fill=colour, font=font)
        print(f"{text!r:<50} -> {result.archetype}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, optimize=True)
    print(f"wrote {args.out} ({len(texts)} descriptions)")


if __name__ == "__main__":
    main()
