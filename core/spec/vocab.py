"""Words the built-in spec writer understands: materials, colours, sizes, styles, rarities.

Material presets are glTF metallic-roughness values picked to read well under a neutral light.
"""

from __future__ import annotations

# name -> PBR parameters (base_color, metallic, roughness, [emissive, emissive_strength, opacity])
MATERIAL_PRESETS: dict[str, dict] = {
    "wood": {"base_color": "#8b5a2b", "metallic": 0.0, "roughness": 0.8},
    "dark wood": {"base_color": "#4e3420", "metallic": 0.0, "roughness": 0.8},
    "bark": {"base_color": "#5b3a22", "metallic": 0.0, "roughness": 0.95},
    "iron": {"base_color": "#5a5d63", "metallic": 1.0, "roughness": 0.55},
    "steel": {"base_color": "#a8adb4", "metallic": 1.0, "roughness": 0.3},
    "gold": {"base_color": "#d4a017", "metallic": 1.0, "roughness": 0.25},
    "silver": {"base_color": "#c9ccd3", "metallic": 1.0, "roughness": 0.2},
    "bronze": {"base_color": "#a0642b", "metallic": 1.0, "roughness": 0.45},
    "brass": {"base_color": "#b5a642", "metallic": 1.0, "roughness": 0.35},
    "copper": {"base_color": "#b87333", "metallic": 1.0, "roughness": 0.4},
    "chrome": {"base_color": "#e6e8ea", "metallic": 1.0, "roughness": 0.08},
    "stone": {"base_color": "#8a8a85", "metallic": 0.0, "roughness": 0.9},
    "marble": {"base_color": "#e8e6e0", "metallic": 0.0, "roughness": 0.35},
    "crystal": {"base_color": "#7fd4ff", "metallic": 0.0, "roughness": 0.05, "opacity": 0.85},
    "glass": {"base_color": "#cfe8ef", "metallic": 0.0, "roughness": 0.05, "opacity": 0.5},
    "leather": {"base_color": "#6b4226", "metallic": 0.0, "roughness": 0.7},
    "cloth": {"base_color": "#9c7b54", "metallic": 0.0, "roughness": 0.95},
    "rope": {"base_color": "#b8955a", "metallic": 0.0, "roughness": 0.95},
    "parchment": {"base_color": "#e8d9a8", "metallic": 0.0, "roughness": 0.9},
    "bone": {"base_color": "#e3dac9", "metallic": 0.0, "roughness": 0.6},
    "wax": {"base_color": "#f3ead3", "metallic": 0.0, "roughness": 0.6},
    "obsidian": {"base_color": "#1c1a24", "metallic": 0.0, "roughness": 0.1},
    "ice": {"base_color": "#bfe6ff", "metallic": 0.0, "roughness": 0.1, "opacity": 0.8},
    "plastic": {"base_color": "#e0e0e0", "metallic": 0.0, "roughness": 0.4},
    "paint": {"base_color": "#e8e8e8", "metallic": 0.2, "roughness": 0.45},
    "foliage": {"base_color": "#2f6b2f", "metallic": 0.0, "roughness": 0.85},
    "moss": {"base_color": "#4f7a34", "metallic": 0.0, "roughness": 0.95},
    "water": {"base_color": "#1f4e6b", "metallic": 0.0, "roughness": 0.05},
    "liquid": {"base_color": "#d11a2a", "metallic": 0.0, "roughness": 0.1, "opacity": 0.9},
    "gem": {"base_color": "#2ecc71", "metallic": 0.0, "roughness": 0.05},
    "roof tiles": {"base_color": "#8e3b2f", "metallic": 0.0, "roughness": 0.8},
    "ceramic": {"base_color": "#e9e4da", "metallic": 0.0, "roughness": 0.35},
    "porcelain": {"base_color": "#f4f4f0", "metallic": 0.0, "roughness": 0.15},
    "clay": {"base_color": "#b5653a", "metallic": 0.0, "roughness": 0.85},
    "brick": {"base_color": "#9c4a32", "metallic": 0.0, "roughness": 0.9},
    "concrete": {"base_color": "#9a9a96", "metallic": 0.0, "roughness": 0.95},
    "rubber": {"base_color": "#2a2a2a", "metallic": 0.0, "roughness": 0.9},
    "fur": {"base_color": "#a0724a", "metallic": 0.0, "roughness": 1.0},
    "skin": {"base_color": "#6f8f4e", "metallic": 0.0, "roughness": 0.7},
    "feather": {"base_color": "#c9b28a", "metallic": 0.0, "roughness": 0.9},
    "felt": {"base_color": "#c8a27a", "metallic": 0.0, "roughness": 1.0},
    "cardboard": {"base_color": "#b89063", "metallic": 0.0, "roughness": 0.95},
    "bread": {"base_color": "#c98b45", "metallic": 0.0, "roughness": 0.85},
    "cheese": {"base_color": "#f2c649", "metallic": 0.0, "roughness": 0.6},
    "meat": {"base_color": "#a5452f", "metallic": 0.0, "roughness": 0.6},
    "fruit": {"base_color": "#c0392b", "metallic": 0.0, "roughness": 0.4},
    "sugar": {"base_color": "#f7d6e0", "metallic": 0.0, "roughness": 0.5},
    "chocolate": {"base_color": "#5a3420", "metallic": 0.0, "roughness": 0.45},
    "sand": {"base_color": "#d9c38c", "metallic": 0.0, "roughness": 1.0},
    "snow": {"base_color": "#f5f8fb", "metallic": 0.0, "roughness": 0.8},
    "lava": {
        "base_color": "#3a1a10",
        "metallic": 0.0,
        "roughness": 0.7,
        "emissive": "#ff4500",
        "emissive_strength": 2.0,
    },
    "screen": {
        "base_color": "#101820",
        "metallic": 0.0,
        "roughness": 0.1,
        "emissive": "#3a7bd5",
        "emissive_strength": 1.0,
    },
    "flame": {
        "base_color": "#ff8c1a",
        "metallic": 0.0,
        "roughness": 1.0,
        "emissive": "#ff6a00",
        "emissive_strength": 3.0,
    },
    "energy": {
        "base_color": "#40e0ff",
        "metallic": 0.0,
        "roughness": 0.2,
        "emissive": "#40e0ff",
        "emissive_strength": 2.0,
    },
}

# word (after stemming) -> preset name
MATERIAL_WORDS: dict[str, str] = {
    "wood": "wood", "wooden": "wood", "oak": "wood", "timber": "wood", "pine": "wood",
    "ebony": "dark wood", "iron": "iron", "steel": "steel", "metal": "steel", "metallic": "steel",
    "gold": "gold", "golden": "gold", "gilded": "gold", "silver": "silver", "mithril": "silver",
    "bronze": "bronze", "brass": "brass", "copper": "copper", "chrome": "chrome",
    "stone": "stone", "granite": "stone", "marble": "marble", "crystal": "crystal",
    "crystalline": "crystal", "glass": "glass", "leather": "leather", "cloth": "cloth",
    "fabric": "cloth", "silk": "cloth", "velvet": "cloth", "burlap": "cloth", "rope": "rope",
    "paper": "parchment", "parchment": "parchment", "bone": "bone", "wax": "wax",
    "obsidian": "obsidian", "ice": "ice", "icy": "ice", "frozen": "ice", "plastic": "plastic",
    "ceramic": "ceramic", "porcelain": "porcelain", "china": "porcelain", "clay": "clay",
    "terracotta": "clay", "earthenware": "clay", "brick": "brick", "concrete": "concrete",
    "rubber": "rubber", "fur": "fur", "furry": "fur", "fluffy": "fur", "plush": "felt",
    "felt": "felt", "stuffed": "felt", "woolen": "cloth", "wool": "cloth", "knitted": "cloth",
    "satin": "cloth", "linen": "cloth", "denim": "cloth", "canvas": "cloth", "cardboard": "cardboard",
    "chocolate": "chocolate", "lava": "lava", "molten": "lava", "snowy": "snow", "sandstone": "sand",
    "feathered": "feather", "scaly": "skin", "ivory": "bone", "jade": "gem", "rusty": "iron",
    "tin": "steel", "aluminium": "steel", "aluminum": "steel", "titanium": "steel", "pewter": "silver",
    "snow": "snow", "moss": "moss", "sand": "sand", "rust": "iron", "frost": "ice",
    "bamboo": "wood", "mahogany": "dark wood", "walnut": "dark wood", "birch": "wood", "cedar": "wood",
}  # fmt: skip

COLOR_WORDS: dict[str, str] = {
    "red": "#c0392b", "crimson": "#a01c2c", "scarlet": "#d0312d", "ruby": "#b3122e",
    "green": "#2e8b57", "emerald": "#1f9d55", "blue": "#2f6fd6", "azure": "#3b9ae1",
    "sapphire": "#1f4fb5", "purple": "#7d3cbf", "violet": "#8f5bd6", "amethyst": "#9b59b6",
    "yellow": "#e5c02a", "orange": "#e67e22", "black": "#1b1b1f", "white": "#f2f2f2",
    "grey": "#8c8c8c", "gray": "#8c8c8c", "brown": "#7a4e2d", "pink": "#e87fb0",
    "teal": "#1a9c9c", "cyan": "#35c9e0", "dark": "#202024",
}  # fmt: skip

# word -> (hex colour, mix weight) blended into the material's base colour
TINT_WORDS: dict[str, tuple[str, float]] = {
    "mossy": ("#4f7a34", 0.55), "rusty": ("#8b4513", 0.5), "weathered": ("#8a8a7a", 0.35),
    "old": ("#7a6a55", 0.25), "ancient": ("#7a6a55", 0.3), "shiny": ("#ffffff", 0.1),
}  # fmt: skip

GLOW_WORDS = {"glowing", "glow", "magical", "magic", "enchanted", "radiant", "luminous",
              "shining", "flaming", "burning", "fiery", "neon", "energy", "arcane"}  # fmt: skip

# word -> uniform scale factor
SIZE_WORDS: dict[str, float] = {
    "tiny": 0.5, "miniature": 0.5, "small": 0.75, "little": 0.75, "large": 1.4, "big": 1.4,
    "great": 1.25, "huge": 2.2, "giant": 2.2, "massive": 2.2, "enormous": 2.5, "colossal": 3.0,
}  # fmt: skip

# word -> (length-axis factor, cross-axes factor)
SHAPE_WORDS: dict[str, tuple[float, float]] = {
    "long": (1.35, 1.0), "short": (0.75, 1.0), "tall": (1.3, 1.0), "wide": (1.0, 1.3),
    "broad": (1.0, 1.3), "thin": (1.0, 0.8), "slender": (1.05, 0.8), "thick": (1.0, 1.25),
    "squat": (0.8, 1.15), "stubby": (0.75, 1.1),
}  # fmt: skip

STYLE_WORDS: dict[str, str] = {
    "realistic": "realistic", "photorealistic": "realistic", "stylised": "stylised",
    "stylized": "stylised", "cartoon": "cartoon", "cartoony": "cartoon", "toon": "cartoon",
    "low-poly": "low-poly", "fantasy": "fantasy", "medieval": "medieval", "elvish": "elvish",
    "elven": "elvish", "elf": "elvish", "dwarven": "dwarven", "dwarvish": "dwarven",
    "dwarf": "dwarven", "sci-fi": "sci-fi", "futuristic": "sci-fi", "cyberpunk": "sci-fi",
    "retro": "sci-fi", "space": "sci-fi",
}  # fmt: skip

RARITY_WORDS: dict[str, str] = {
    "legendary": "legendary", "mythic": "legendary", "epic": "epic", "rare": "rare",
    "uncommon": "uncommon", "common": "common", "magical": "rare", "enchanted": "rare",
    "arcane": "rare", "ornate": "uncommon", "golden": "uncommon", "ancient": "uncommon",
}  # fmt: skip

RARITY_ORDER = ["common", "uncommon", "rare", "epic", "legendary"]
RARITY_MULTIPLIER = {"common": 1.0, "uncommon": 1.15, "rare": 1.35, "epic": 1.6, "legendary": 2.0}

EFFECT_WORDS: dict[str, str] = {
    "healing": "Restores health over 3 s", "health": "Restores health over 3 s",
    "mana": "Restores mana", "glowing": "Emits light in a 6 m radius",
    "flaming": "Deals fire damage", "fiery": "Deals fire damage", "fire": "Deals fire damage",
    "frost": "Slows targets by 30 %", "ice": "Slows targets by 30 %",
    "poison": "Poisons on hit", "poisoned": "Poisons on hit", "throwing": "Can be thrown",
    "lucky": "Raises loot luck", "cursed": "Drains the wielder's health",
}  # fmt: skip

# chunk separators: the first chunk names the object, later ones its details
SEPARATORS = {"with", "of", "on", "topped", "tied", "and", "in", "for", "from", "featuring",
              "having", "atop", "under", "inside", "holding", "wrapped", "covered"}  # fmt: skip

# non-English synonyms the matcher maps to English keywords
SYNONYMS: dict[str, str] = {
    "espada": "sword", "épée": "sword", "schwert": "sword", "spada": "sword", "меч": "sword",
    "剑": "sword", "poción": "potion", "pocion": "potion", "trank": "potion", "zaubertrank": "potion",
    "hacha": "axe", "axt": "axe", "hache": "axe", "escudo": "shield", "schild": "shield",
    "bouclier": "shield", "cofre": "chest", "truhe": "chest", "coffre": "chest", "barril": "barrel",
    "fass": "barrel", "tonneau": "barrel", "árbol": "tree", "baum": "tree", "arbre": "tree",
    "llave": "key", "schlüssel": "key", "clé": "key", "casco": "helmet", "helm": "helmet",
    "casque": "helmet", "arco": "bow", "bogen": "bow", "arc": "bow", "libro": "book",
    "buch": "book", "livre": "book", "anillo": "ring", "bague": "ring", "antorcha": "torch",
    "fackel": "torch", "mesa": "table", "tisch": "table", "silla": "chair", "stuhl": "chair",
}  # fmt: skip

# contents words -> colour of a template's liquid ("bottle of wine", "vial of blood")
LIQUID_WORDS: dict[str, str] = {
    "wine": "#5e0f1f", "blood": "#7a0a0a", "water": "#3f8fd2", "milk": "#f4f1e8", "honey": "#e0a526",
    "beer": "#d89a2b", "ale": "#b5761f", "poison": "#5fbf2a", "venom": "#5fbf2a", "mana": "#2f6fd6",
    "oil": "#3a2a10", "ink": "#101018", "tea": "#9a5b1e", "coffee": "#3b2414", "juice": "#f08a24",
    "whiskey": "#b8741a", "rum": "#8a4b14", "slime": "#7ed321", "acid": "#b6ff1a", "lava": "#ff5a1a",
}  # fmt: skip
