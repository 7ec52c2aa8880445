"""Words the built-in spec writer understands: materials, colours, sizes, styles, rarities.

The tables are data, in ``core/spec/words.toml``; this module loads them once and gives them the
types the writer, the parser (:mod:`core.spec.parse`) and the editor (:mod:`core.spec.edits`) use.
Material presets are glTF metallic-roughness values picked to read well under a neutral light; colours
are sRGB hex.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

WORDS_FILE = Path(__file__).with_name("words.toml")
WORDS: dict = tomllib.loads(WORDS_FILE.read_text(encoding="utf-8"))

# name -> PBR parameters (base_color, metallic, roughness, [emissive, emissive_strength, opacity])
MATERIAL_PRESETS: dict[str, dict] = WORDS["materials"]
# word (after stemming) -> preset name
MATERIAL_WORDS: dict[str, str] = WORDS["material_words"]
COLOR_WORDS: dict[str, str] = WORDS["color_words"]
# word -> (hex colour, mix weight) blended into the material's base colour
TINT_WORDS: dict[str, tuple[str, float]] = {k: (c, float(w)) for k, (c, w) in WORDS["tint_words"].items()}
GLOW_WORDS: set[str] = set(WORDS["glow_words"])
# word -> uniform scale factor
SIZE_WORDS: dict[str, float] = WORDS["size_words"]
# word -> (length-axis factor, cross-axes factor)
SHAPE_WORDS: dict[str, tuple[float, float]] = {k: (a, b) for k, (a, b) in WORDS["shape_words"].items()}
STYLE_WORDS: dict[str, str] = WORDS["style_words"]
RARITY_WORDS: dict[str, str] = WORDS["rarity_words"]
RARITY_ORDER: list[str] = WORDS["rarity_order"]
RARITY_MULTIPLIER: dict[str, float] = WORDS["rarity_multiplier"]
EFFECT_WORDS: dict[str, str] = WORDS["effect_words"]
# chunk separators: the first chunk names the object, later ones its details
SEPARATORS: set[str] = set(WORDS["separators"])
# non-English synonyms the matcher maps to English keywords
SYNONYMS: dict[str, str] = WORDS["synonyms"]
# contents words -> colour of a template's liquid ("bottle of wine", "vial of blood")
LIQUID_WORDS: dict[str, str] = WORDS["liquid_words"]
