"""The archetype library of the built-in spec writer.

Each archetype is a small, real-world-scale recipe (metres, +Y up, base at y = 0): named
materials (roles mapped to presets in :mod:`core.spec.vocab`), parts built from primitives, the
words that select it, and gameplay defaults. Parts may be optional (``when``: only if one of
those words is in the description).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class PartDraft:
    name: str
    primitive: str
    size: Vec3
    position: Vec3
    material: str  # material role
    rotation: Vec3 = (0.0, 0.0, 0.0)
    aliases: tuple[str, ...] = ()
    when: tuple[str, ...] = ()


@dataclass(frozen=True)
class Archetype:
    name: str
    category: str
    keywords: tuple[str, ...]
    materials: dict[str, dict]
    parts: tuple[PartDraft, ...]
    primary: str
    glow: str | None = None
    length_axis: int = 1
    polycount: int = 2000
    stats: dict[str, float] = field(default_factory=dict)
    lore: str = ""


def M(preset: str, **overrides: object) -> dict:
    """A material role: a preset name plus overrides (base_color, emissive, ...)."""
    return {"preset": preset, **overrides}


def P(name, primitive, size, position, material, rotation=(0, 0, 0), aliases=(), when=()):
    return PartDraft(name, primitive, tuple(size), tuple(position), material, tuple(rotation),
                     tuple(aliases), tuple(when))  # fmt: skip


def ring_of(name, primitive, size, radius, y, material, count, start_deg=0.0, tilt=0.0):
    """``count`` parts evenly spaced on a circle of ``radius`` metres at height ``y``."""
    out = []
    for i in range(count):
        a = math.radians(start_deg + 360.0 * i / count)
        x, z = radius * math.sin(a), radius * math.cos(a)
        # tilt outward: rotate about the horizontal axis perpendicular to the radius
        rot = (tilt * math.cos(a), 0.0, -tilt * math.sin(a))
        out.append(P(f"{name}_{i + 1}", primitive, size, (x, y, z), material, rot))
    return out


A = Archetype
ARCHETYPES: list[Archetype] = [
    A(
        "potion",
        "consumable",
        ("potion", "elixir", "flask", "vial", "tonic", "brew"),
        {"liquid": M("liquid"), "glass": M("glass"), "cork": M("wood", base_color="#b08850")},
        (
            P("bulb", "sphere", (0.12, 0.12, 0.12), (0, 0.06, 0), "liquid", aliases=("liquid", "body")),
            P("neck", "cylinder", (0.04, 0.07, 0.04), (0, 0.14, 0), "glass"),
            P("lip", "torus", (0.055, 0.012, 0.055), (0, 0.172, 0), "glass"),
            P("cork", "cylinder", (0.034, 0.035, 0.034), (0, 0.19, 0), "cork", aliases=("stopper",)),
        ),
        primary="liquid",
        glow="liquid",
        polycount=1500,
        stats={"heal_amount": 50, "weight_kg": 0.3},
        lore="Brewed by village alchemists; one draught closes wounds in moments.",
    ),
    A(
        "sword",
        "weapon",
        (
            "sword",
            "blade",
            "sabre",
            "saber",
            "katana",
            "longsword",
            "broadsword",
            "rapier",
            "claymore",
            "scimitar",
        ),
        {"blade": M("steel"), "trim": M("steel", base_color="#8a8f96"), "grip": M("leather")},
        (
            P("pommel", "sphere", (0.05, 0.05, 0.05), (0, 0.025, 0), "trim"),
            P("grip", "cylinder", (0.034, 0.2, 0.034), (0, 0.14, 0), "grip", aliases=("handle", "hilt")),
            P("crossguard", "box", (0.24, 0.035, 0.05), (0, 0.25, 0), "trim", aliases=("guard",)),
            P("blade", "box", (0.05, 0.76, 0.012), (0, 0.64, 0), "blade"),
            P("tip", "pyramid", (0.05, 0.1, 0.012), (0, 1.065, 0), "blade"),
        ),
        primary="blade",
        glow="blade",
        polycount=2500,
        stats={"damage": 24, "attack_speed": 1.2, "durability": 300, "weight_kg": 1.4},
        lore="A well-balanced blade carried by sellswords and heroes alike.",
    ),
    A(
        "axe",
        "weapon",
        ("axe", "battleaxe", "battle axe", "hatchet", "war axe"),
        {"haft": M("wood"), "head": M("iron"), "edge": M("steel")},
        (
            P("haft", "cylinder", (0.04, 0.9, 0.04), (0, 0.45, 0), "haft", aliases=("handle", "shaft")),
            P("pommel", "sphere", (0.055, 0.05, 0.055), (0, 0.02, 0), "head"),
            P("head", "box", (0.09, 0.14, 0.06), (0, 0.8, 0), "head"),
            P("blade", "wedge", (0.2, 0.24, 0.02), (0.13, 0.8, 0), "edge", (0, 0, -90)),
            P("back_blade", "wedge", (0.14, 0.18, 0.02), (-0.1, 0.8, 0), "edge", (0, 0, 90)),
            P("spike", "cone", (0.04, 0.09, 0.04), (0, 0.91, 0), "head"),
        ),
        primary="head",
        polycount=2500,
        stats={"damage": 32, "attack_speed": 0.8, "durability": 350, "weight_kg": 2.6},
        lore="Its double bit has split shields and helms in a hundred shield-walls.",
    ),
    A(
        "chest",
        "container",
        ("chest", "treasure chest", "coffer", "trunk"),
        {"wood": M("wood"), "bands": M("iron"), "lock": M("gold")},
        (
            P("body", "box", (0.8, 0.45, 0.5), (0, 0.225, 0), "wood"),
            P("lid", "cylinder", (0.5, 0.8, 0.5), (0, 0.45, 0), "wood", (0, 0, 90)),
            P("band_left", "box", (0.05, 0.47, 0.52), (-0.3, 0.235, 0), "bands", aliases=("band",)),
            P("band_right", "box", (0.05, 0.47, 0.52), (0.3, 0.235, 0), "bands", aliases=("band",)),
            P(
                "lid_band_left",
                "cylinder",
                (0.52, 0.05, 0.52),
                (-0.3, 0.45, 0),
                "bands",
                (0, 0, 90),
                aliases=("band",),
            ),
            P(
                "lid_band_right",
                "cylinder",
                (0.52, 0.05, 0.52),
                (0.3, 0.45, 0),
                "bands",
                (0, 0, 90),
                aliases=("band",),
            ),
            P("lock", "box", (0.09, 0.11, 0.04), (0, 0.42, 0.255), "lock", aliases=("clasp",)),
        ),
        primary="wood",
        length_axis=0,
        polycount=2000,
        stats={"capacity_slots": 24, "weight_kg": 18},
        lore="Iron-bound and heavy; whatever lies inside was worth locking away.",
    ),
    A(
        "shield",
        "armor",
        ("shield", "buckler", "aegis"),
        {"wood": M("wood"), "metal": M("iron")},
        (
            P(
                "board",
                "cylinder",
                (0.7, 0.04, 0.7),
                (0, 0.35, 0),
                "wood",
                (90, 0, 0),
                aliases=("face", "body"),
            ),
            P("rim", "torus", (0.72, 0.04, 0.72), (0, 0.35, 0), "metal", (90, 0, 0), aliases=("edge",)),
            P("boss", "hemisphere", (0.16, 0.08, 0.16), (0, 0.35, 0.055), "metal", (90, 0, 0)),
        ),
        primary="wood",
        polycount=2000,
        stats={"defense": 18, "block_chance": 0.3, "weight_kg": 4.5},
        lore="Round linden boards behind an iron boss: simple, cheap, and it holds.",
    ),
    A(
        "staff",
        "magic",
        ("staff", "stave", "rod", "sceptre", "scepter", "quarterstaff"),
        {"wood": M("wood"), "metal": M("brass"), "crystal": M("crystal")},
        (
            P("shaft", "cylinder", (0.035, 1.6, 0.035), (0, 0.8, 0), "wood", aliases=("pole",)),
            P("ferrule", "cylinder", (0.045, 0.06, 0.045), (0, 0.03, 0), "metal"),
            P("holder", "torus", (0.12, 0.025, 0.12), (0, 1.6, 0), "metal", aliases=("claw", "setting")),
            P("crystal_top", "pyramid", (0.09, 0.16, 0.09), (0, 1.73, 0), "crystal", aliases=("crystal",)),
            P(
                "crystal_bottom",
                "pyramid",
                (0.09, 0.1, 0.09),
                (0, 1.6, 0),
                "crystal",
                (180, 0, 0),
                aliases=("crystal",),
            ),
        ),
        primary="wood",
        glow="crystal",
        polycount=2500,
        stats={"spell_power": 30, "mana_regen": 2.5, "weight_kg": 1.8},
        lore="Carved from a lightning-struck ash; the crystal hums when spells are near.",
    ),
    A(
        "barrel",
        "container",
        ("barrel", "keg", "cask"),
        {"wood": M("wood"), "hoops": M("iron")},
        (
            P("staves", "cylinder", (0.55, 0.8, 0.55), (0, 0.4, 0), "wood", aliases=("body",)),
            P("bulge", "sphere", (0.62, 0.7, 0.62), (0, 0.4, 0), "wood"),
            P("hoop_bottom", "torus", (0.575, 0.03, 0.575), (0, 0.06, 0), "hoops", aliases=("hoop", "band")),
            P("hoop_low", "torus", (0.63, 0.03, 0.63), (0, 0.3, 0), "hoops", aliases=("hoop", "band")),
            P("hoop_high", "torus", (0.63, 0.03, 0.63), (0, 0.5, 0), "hoops", aliases=("hoop", "band")),
            P("hoop_top", "torus", (0.575, 0.03, 0.575), (0, 0.74, 0), "hoops", aliases=("hoop", "band")),
        ),
        primary="wood",
        polycount=2000,
        stats={"capacity_litres": 160, "weight_kg": 25},
        lore="Coopered oak that once held the tavern's finest ale.",
    ),
    A(
        "coins",
        "collectible",
        ("coin", "coins", "money", "doubloon", "gold piece"),
        {"gold": M("gold")},
        (
            *(
                P(
                    f"coin_{i + 1}",
                    "cylinder",
                    (0.03, 0.0032, 0.03),
                    (0.0015 * math.sin(i * 2.1), 0.0016 + 0.0033 * i, 0.0015 * math.cos(i * 1.7)),
                    "gold",
                )
                for i in range(10)
            ),
            P("loose_coin_1", "cylinder", (0.03, 0.0032, 0.03), (0.04, 0.0016, 0.01), "gold"),
            P("loose_coin_2", "cylinder", (0.03, 0.0032, 0.03), (0.025, 0.0016, -0.03), "gold"),
        ),
        primary="gold",
        polycount=2000,
        stats={"value_gold": 12},
        lore="Stamped with the face of a king nobody remembers.",
    ),
    A(
        "key",
        "collectible",
        ("key", "skeleton key"),
        {"metal": M("iron")},
        (
            P(
                "bow",
                "torus",
                (0.04, 0.008, 0.04),
                (0, 0.1, 0),
                "metal",
                (90, 0, 0),
                aliases=("ring", "handle"),
            ),
            P("shaft", "cylinder", (0.008, 0.085, 0.008), (0, 0.04, 0), "metal"),
            P("bit", "box", (0.022, 0.016, 0.004), (0.012, 0.01, 0), "metal", aliases=("teeth",)),
            P("ornament", "sphere", (0.014, 0.014, 0.014), (0, 0.127, 0), "metal", when=("ornate", "fancy")),
        ),
        primary="metal",
        polycount=1200,
        stats={"value_gold": 5},
        lore="It opens exactly one door, and that door matters.",
    ),
    A(
        "crystal_cluster",
        "magic",
        ("crystal cluster", "crystals", "mana crystal", "geode", "shard", "shards"),
        {"rock": M("stone"), "crystal": M("crystal")},
        (
            P("base", "hemisphere", (0.35, 0.1, 0.3), (0, 0.05, 0), "rock", aliases=("rock",)),
            P("crystal_main", "pyramid", (0.08, 0.38, 0.08), (0, 0.22, 0), "crystal", aliases=("crystal",)),
            P("crystal_2", "pyramid", (0.06, 0.26, 0.06), (0.08, 0.15, 0.03), "crystal", (0, 0, -22)),
            P("crystal_3", "pyramid", (0.05, 0.21, 0.05), (-0.08, 0.13, -0.02), "crystal", (0, 0, 25)),
            P("crystal_4", "pyramid", (0.05, 0.18, 0.05), (0.02, 0.12, -0.08), "crystal", (-25, 0, 0)),
            P("crystal_5", "pyramid", (0.04, 0.15, 0.04), (-0.03, 0.1, 0.08), "crystal", (25, 0, 0)),
        ),
        primary="crystal",
        glow="crystal",
        polycount=1200,
        stats={"mana_restore": 40, "weight_kg": 3},
        lore="Mana condenses into these shards deep below the old ley lines.",
    ),
    A(
        "crate",
        "container",
        ("crate", "box", "packing crate"),
        {"wood": M("wood"), "frame": M("dark wood")},
        (
            P("body", "box", (0.6, 0.6, 0.6), (0, 0.3, 0), "wood", aliases=("planks",)),
            *[
                P(
                    f"post_{i + 1}",
                    "box",
                    (0.08, 0.62, 0.08),
                    (sx * 0.27, 0.31, sz * 0.27),
                    "frame",
                    aliases=("frame",),
                )
                for i, (sx, sz) in enumerate([(1, 1), (1, -1), (-1, 1), (-1, -1)])
            ],
            *[
                P(f"rail_{i + 1}", "box", (0.62, 0.08, 0.08), (0, y, z), "frame", aliases=("frame",))
                for i, (y, z) in enumerate([(0.04, 0.27), (0.04, -0.27), (0.58, 0.27), (0.58, -0.27)])
            ],
            P("brace", "box", (0.78, 0.07, 0.03), (0, 0.3, 0.305), "frame", (0, 0, 45)),
        ),
        primary="wood",
        polycount=1000,
        stats={"capacity_slots": 12, "weight_kg": 10},
        lore="Stencilled with the mark of a trading house long gone bust.",
    ),
    A(
        "well",
        "architecture",
        ("well", "wishing well"),
        {"stone": M("stone"), "wood": M("wood"), "roof": M("roof tiles"), "water": M("water")},
        (
            P("wall", "cylinder", (1.2, 0.8, 1.2), (0, 0.4, 0), "stone"),
            P("rim", "torus", (1.26, 0.1, 1.26), (0, 0.8, 0), "stone"),
            P("water", "cylinder", (1.0, 0.02, 1.0), (0, 0.805, 0), "water"),
            P("post_left", "box", (0.1, 1.45, 0.1), (-0.55, 1.45, 0), "wood", aliases=("post",)),
            P("post_right", "box", (0.1, 1.45, 0.1), (0.55, 1.45, 0), "wood", aliases=("post",)),
            P("crossbar", "cylinder", (0.08, 1.2, 0.08), (0, 1.9, 0), "wood", (0, 0, 90)),
            P("rope", "cylinder", (0.015, 0.3, 0.015), (0, 1.75, 0), "wood"),
            P("bucket", "cylinder", (0.2, 0.2, 0.2), (0, 1.52, 0), "wood"),
            P("roof", "wedge", (1.6, 0.6, 1.4), (0, 2.45, 0), "roof"),
        ),
        primary="stone",
        polycount=3000,
        stats={},
        lore="Villagers still toss coins in, hoping the old wish-spirit listens.",
    ),
    A(
        "table",
        "furniture",
        ("table", "desk", "workbench"),
        {"wood": M("wood")},
        (
            P("top", "box", (1.2, 0.05, 0.7), (0, 0.725, 0), "wood", aliases=("tabletop",)),
            *[
                P(
                    f"leg_{i + 1}",
                    "box",
                    (0.06, 0.71, 0.06),
                    (sx * 0.54, 0.355, sz * 0.29),
                    "wood",
                    aliases=("leg",),
                )
                for i, (sx, sz) in enumerate([(1, 1), (1, -1), (-1, 1), (-1, -1)])
            ],
        ),
        primary="wood",
        length_axis=0,
        polycount=800,
        stats={"weight_kg": 20},
        lore="Scarred by knives, dice and a great many tankards.",
    ),
    A(
        "stool",
        "furniture",
        ("stool", "bar stool"),
        {"wood": M("wood")},
        (
            P("seat", "cylinder", (0.36, 0.05, 0.36), (0, 0.475, 0), "wood"),
            *ring_of("leg", "cylinder", (0.04, 0.47, 0.04), 0.12, 0.235, "wood", 3, tilt=8),
            P("rung", "torus", (0.28, 0.02, 0.28), (0, 0.18, 0), "wood"),
        ),
        primary="wood",
        polycount=1200,
        stats={"weight_kg": 3},
        lore="Three legs, so it never wobbles on a tavern's crooked floor.",
    ),
    A(
        "lantern",
        "prop",
        ("lantern", "lamp", "oil lamp"),
        {
            "metal": M("iron"),
            "glass": M("glass", base_color="#ffd98a", emissive="#ffb347", emissive_strength=2.0),
        },
        (
            P("base", "cylinder", (0.14, 0.03, 0.14), (0, 0.015, 0), "metal"),
            P("glass", "cylinder", (0.11, 0.17, 0.11), (0, 0.115, 0), "glass", aliases=("light", "flame")),
            *[
                P(
                    f"bar_{i + 1}",
                    "box",
                    (0.012, 0.17, 0.012),
                    (sx * 0.055, 0.115, sz * 0.055),
                    "metal",
                    aliases=("bar", "cage"),
                )
                for i, (sx, sz) in enumerate([(1, 1), (1, -1), (-1, 1), (-1, -1)])
            ],
            P("cap", "cone", (0.16, 0.07, 0.16), (0, 0.235, 0), "metal", aliases=("top",)),
            P("handle", "torus", (0.08, 0.012, 0.08), (0, 0.3, 0), "metal", (90, 0, 0), aliases=("ring",)),
        ),
        primary="metal",
        glow="glass",
        polycount=1500,
        stats={"light_radius_m": 8, "weight_kg": 1.2},
        lore="Its flame never quite goes out, even in the wind off the moors.",
    ),
    A(
        "torch",
        "prop",
        ("torch", "sconce", "wall torch"),
        {"wood": M("wood"), "cloth": M("cloth"), "flame": M("flame"), "metal": M("iron")},
        (
            P("stick", "cylinder", (0.035, 0.45, 0.035), (0, 0.225, 0), "wood", aliases=("handle",)),
            P("wrap", "cylinder", (0.06, 0.09, 0.06), (0, 0.42, 0), "cloth"),
            P("flame_base", "sphere", (0.09, 0.08, 0.09), (0, 0.48, 0), "flame", aliases=("flame", "fire")),
            P("flame_tip", "cone", (0.08, 0.2, 0.08), (0, 0.56, 0), "flame", aliases=("flame", "fire")),
            P("bracket", "box", (0.05, 0.12, 0.1), (0, 0.25, -0.06), "metal", when=("wall", "sconce")),
            P("wall_plate", "box", (0.12, 0.2, 0.02), (0, 0.25, -0.11), "metal", when=("wall", "sconce")),
        ),
        primary="wood",
        glow="flame",
        polycount=1200,
        stats={"light_radius_m": 10, "burn_time_s": 600},
        lore="Pitch-soaked rags on ash wood: light for the dungeon's first hundred steps.",
    ),
    A(
        "helmet",
        "armor",
        ("helmet", "helm", "great helm", "knight", "bascinet"),
        {
            "steel": M("steel"),
            "visor": M("iron", base_color="#2b2d31"),
            "plume": M("cloth", base_color="#b03a2e"),
        },
        (
            P("skull", "cylinder", (0.23, 0.2, 0.25), (0, 0.11, 0), "steel", aliases=("body",)),
            P("dome", "hemisphere", (0.23, 0.11, 0.25), (0, 0.265, 0), "steel"),
            P("neck_rim", "torus", (0.25, 0.025, 0.27), (0, 0.012, 0), "steel", aliases=("rim",)),
            P("visor", "box", (0.2, 0.06, 0.03), (0, 0.15, 0.12), "visor", aliases=("slit", "faceplate")),
            P("crest", "box", (0.02, 0.09, 0.22), (0, 0.33, 0), "plume", aliases=("plume",)),
        ),
        primary="steel",
        polycount=2500,
        stats={"defense": 22, "weight_kg": 3.2},
        lore="Dented over the left brow, where a lance once found it.",
    ),
    A(
        "hammer",
        "weapon",
        ("hammer", "warhammer", "war hammer", "maul", "mallet"),
        {"wood": M("wood"), "iron": M("iron"), "grip": M("leather")},
        (
            P("handle", "cylinder", (0.04, 0.85, 0.04), (0, 0.425, 0), "wood", aliases=("haft", "shaft")),
            P("grip", "cylinder", (0.048, 0.22, 0.048), (0, 0.14, 0), "grip"),
            P("pommel", "sphere", (0.06, 0.05, 0.06), (0, 0.02, 0), "iron"),
            P("head", "box", (0.24, 0.11, 0.11), (0, 0.82, 0), "iron"),
            P("spike", "pyramid", (0.06, 0.11, 0.06), (-0.17, 0.82, 0), "iron", (0, 0, 90)),
            P("top_spike", "pyramid", (0.05, 0.08, 0.05), (0, 0.91, 0), "iron"),
        ),
        primary="iron",
        polycount=2000,
        stats={"damage": 30, "attack_speed": 0.85, "armor_break": 0.4, "weight_kg": 2.8},
        lore="Made to crack plate, not to look pretty doing it.",
    ),
    A(
        "bow",
        "weapon",
        ("bow", "longbow", "shortbow", "recurve"),
        {"wood": M("wood"), "grip": M("leather"), "string": M("rope", base_color="#e8e0cc")},
        (
            P("grip", "cylinder", (0.036, 0.17, 0.036), (0, 0.7, 0), "grip", aliases=("handle",)),
            P(
                "upper_limb",
                "cylinder",
                (0.026, 0.6, 0.026),
                (-0.062, 1.073, 0),
                "wood",
                (0, 0, 12),
                aliases=("limb",),
            ),
            P(
                "lower_limb",
                "cylinder",
                (0.026, 0.6, 0.026),
                (-0.062, 0.327, 0),
                "wood",
                (0, 0, -12),
                aliases=("limb",),
            ),
            P("string", "cylinder", (0.005, 1.34, 0.005), (-0.124, 0.7, 0), "string"),
        ),
        primary="wood",
        polycount=1500,
        stats={"damage": 18, "range_m": 60, "draw_time_s": 0.9, "weight_kg": 0.9},
        lore="Yew heartwood and sapwood, laminated by a patient bowyer.",
    ),
    A(
        "quiver",
        "container",
        ("quiver",),
        {"leather": M("leather"), "wood": M("wood"), "fletching": M("cloth", base_color="#e9e4d8")},
        (
            P("body", "cylinder", (0.12, 0.55, 0.12), (0, 0.275, 0), "leather", aliases=("case",)),
            P("rim", "torus", (0.13, 0.02, 0.13), (0, 0.55, 0), "leather"),
            P("strap", "box", (0.035, 0.5, 0.012), (0, 0.3, -0.066), "leather"),
            *[
                P(f"arrow_{i + 1}", "cylinder", (0.008, 0.3, 0.008), (x, 0.62, z), "wood", aliases=("arrow",))
                for i, (x, z) in enumerate([(0.025, 0.0), (-0.02, 0.02), (-0.01, -0.025), (0.02, 0.03)])
            ],
            *[
                P(
                    f"fletching_{i + 1}",
                    "box",
                    (0.024, 0.06, 0.003),
                    (x, 0.76, z),
                    "fletching",
                    aliases=("feather", "arrow"),
                )
                for i, (x, z) in enumerate([(0.025, 0.0), (-0.02, 0.02), (-0.01, -0.025), (0.02, 0.03)])
            ],
        ),
        primary="leather",
        polycount=2000,
        stats={"arrow_capacity": 24, "weight_kg": 0.8},
        lore="Worn soft at the strap by a lifetime of hunts.",
    ),
    A(
        "scroll",
        "consumable",
        ("scroll", "parchment"),
        {"paper": M("parchment"), "wood": M("dark wood"), "ribbon": M("cloth", base_color="#b03a2e")},
        (
            P("roll", "cylinder", (0.06, 0.3, 0.06), (0, 0.03, 0), "paper", (0, 0, 90), aliases=("paper",)),
            P("rod", "cylinder", (0.016, 0.36, 0.016), (0, 0.03, 0), "wood", (0, 0, 90)),
            P("knob_left", "sphere", (0.026, 0.026, 0.026), (-0.18, 0.03, 0), "wood", aliases=("knob",)),
            P("knob_right", "sphere", (0.026, 0.026, 0.026), (0.18, 0.03, 0), "wood", aliases=("knob",)),
            P(
                "ribbon",
                "torus",
                (0.068, 0.012, 0.068),
                (0, 0.03, 0),
                "ribbon",
                (0, 0, 90),
                aliases=("string", "tie"),
            ),
        ),
        primary="paper",
        glow="paper",
        length_axis=0,
        polycount=1200,
        stats={"charges": 1, "spell_power": 25},
        lore="The ink still shifts when nobody is reading it.",
    ),
    A(
        "book",
        "magic",
        ("book", "tome", "grimoire", "spellbook", "spell book", "journal"),
        {"cover": M("leather", base_color="#5a2a1a"), "pages": M("parchment"), "metal": M("brass")},
        (
            P("pages", "box", (0.2, 0.048, 0.27), (0, 0.03, 0), "pages", aliases=("page", "paper")),
            P("back_cover", "box", (0.215, 0.008, 0.28), (0, 0.004, 0), "cover", aliases=("cover",)),
            P("front_cover", "box", (0.215, 0.008, 0.28), (0, 0.056, 0), "cover", aliases=("cover",)),
            P("spine", "box", (0.012, 0.06, 0.28), (-0.105, 0.03, 0), "cover", aliases=("cover",)),
            P("clasp", "box", (0.02, 0.03, 0.04), (0.11, 0.03, 0), "metal"),
            P("emblem", "cylinder", (0.07, 0.006, 0.07), (0, 0.062, 0), "metal", aliases=("sigil",)),
        ),
        primary="cover",
        glow="metal",
        length_axis=2,
        polycount=800,
        stats={"spell_slots": 6, "weight_kg": 1.5},
        lore="Bound in something that is probably leather.",
    ),
    A(
        "mushroom",
        "nature",
        ("mushroom", "toadstool", "fungus", "fungi", "shroom"),
        {
            "cap": M("paint", base_color="#c0392b", roughness=0.5),
            "stem": M("bone", base_color="#efe6d2"),
            "spots": M("paint", base_color="#f7f3ea"),
        },
        (
            P("stem", "cylinder", (0.08, 0.19, 0.08), (0, 0.095, 0), "stem", aliases=("stalk",)),
            P("cap", "hemisphere", (0.26, 0.12, 0.26), (0, 0.23, 0), "cap"),
            *[
                P(
                    f"spot_{i + 1}",
                    "sphere",
                    (0.035, 0.02, 0.035),
                    (0.075 * math.sin(a), 0.17 + 0.12 * 0.815, 0.075 * math.cos(a)),
                    "spots",
                    aliases=("spot",),
                )
                for i, a in enumerate([0.3, 2.4, 4.5])
            ],
            P("spot_top", "sphere", (0.04, 0.02, 0.04), (0, 0.29, 0), "spots", aliases=("spot",)),
        ),
        primary="cap",
        glow="cap",
        polycount=1500,
        stats={"heal_amount": 10, "poison_chance": 0.2},
        lore="Grows only where moonlight touches the forest floor.",
    ),
    A(
        "tree",
        "nature",
        ("tree", "pine tree", "fir", "spruce", "conifer", "pine"),
        {"bark": M("bark"), "foliage": M("foliage")},
        (
            P("trunk", "cylinder", (0.25, 1.2, 0.25), (0, 0.6, 0), "bark"),
            P("foliage_low", "cone", (1.6, 1.4, 1.6), (0, 1.5, 0), "foliage", aliases=("needles", "leaves")),
            P("foliage_mid", "cone", (1.2, 1.2, 1.2), (0, 2.2, 0), "foliage", aliases=("needles", "leaves")),
            P("foliage_top", "cone", (0.8, 1.0, 0.8), (0, 2.8, 0), "foliage", aliases=("needles", "leaves")),
        ),
        primary="foliage",
        polycount=1200,
        stats={},
        lore="Smells of resin and snow, even in midsummer.",
    ),
    A(
        "boulder",
        "nature",
        ("boulder", "rock", "rocks", "pebble", "stone boulder"),
        {"rock": M("stone")},
        (
            P("main", "sphere", (1.0, 0.7, 0.85), (0, 0.33, 0), "rock", aliases=("rock",)),
            P("lump_1", "sphere", (0.6, 0.5, 0.55), (0.3, 0.3, 0.1), "rock"),
            P("lump_2", "sphere", (0.5, 0.45, 0.5), (-0.3, 0.25, -0.1), "rock"),
            P("lump_3", "sphere", (0.45, 0.35, 0.4), (0.05, 0.55, -0.2), "rock"),
        ),
        primary="rock",
        polycount=600,
        stats={"weight_kg": 900},
        lore="Dropped here by a glacier, or a giant, depending on who you ask.",
    ),
    A(
        "pillar",
        "architecture",
        ("pillar", "column", "obelisk", "pilaster"),
        {"stone": M("stone"), "cracks": M("stone", base_color="#3a3a38")},
        (
            P("plinth", "box", (0.6, 0.15, 0.6), (0, 0.075, 0), "stone", aliases=("base",)),
            P("shaft", "cylinder", (0.4, 2.4, 0.4), (0, 1.35, 0), "stone"),
            P("ring_low", "torus", (0.46, 0.06, 0.46), (0, 0.2, 0), "stone"),
            P("ring_high", "torus", (0.46, 0.06, 0.46), (0, 2.5, 0), "stone"),
            P("capital", "box", (0.6, 0.15, 0.6), (0, 2.625, 0), "stone", aliases=("top",)),
            P(
                "crack_1",
                "box",
                (0.012, 0.5, 0.03),
                (0.05, 1.1, 0.196),
                "cracks",
                (0, 0, 14),
                aliases=("crack",),
                when=("crack", "cracked", "broken", "ruined"),
            ),
            P(
                "crack_2",
                "box",
                (0.012, 0.35, 0.03),
                (0.1, 0.75, 0.193),
                "cracks",
                (0, 0, -20),
                aliases=("crack",),
                when=("crack", "cracked", "broken", "ruined"),
            ),
            P(
                "crack_3",
                "box",
                (0.03, 0.4, 0.012),
                (0.196, 1.7, -0.03),
                "cracks",
                (10, 0, 0),
                aliases=("crack",),
                when=("crack", "cracked", "broken", "ruined"),
            ),
        ),
        primary="stone",
        polycount=1500,
        stats={},
        lore="Part of a temple whose name the desert has kept.",
    ),
    A(
        "tower",
        "architecture",
        ("tower", "turret", "castle tower", "keep", "watchtower"),
        {
            "stone": M("stone"),
            "roof": M("roof tiles", base_color="#3d4f7a"),
            "wood": M("dark wood"),
            "window": M("glass", base_color="#1d2733", opacity=1.0),
        },
        (
            P("body", "cylinder", (3.0, 8.0, 3.0), (0, 4.0, 0), "stone", aliases=("wall", "walls")),
            P("parapet", "cylinder", (3.5, 0.7, 3.5), (0, 8.1, 0), "stone"),
            P("roof", "cone", (3.9, 3.6, 3.9), (0, 10.2, 0), "roof", aliases=("spire",)),
            P("door", "box", (1.0, 1.9, 0.3), (0, 0.95, 1.42), "wood"),
            P("window_front", "box", (0.45, 0.9, 0.3), (0, 5.2, 1.42), "window", aliases=("window",)),
            P("window_side", "box", (0.3, 0.9, 0.45), (1.42, 4.2, 0), "window", aliases=("window",)),
        ),
        primary="stone",
        polycount=2500,
        stats={},
        lore="From its top you can see three kingdoms and the storm coming.",
    ),
    A(
        "signpost",
        "prop",
        ("signpost", "sign post", "sign", "signboard", "waymarker"),
        {"wood": M("wood"), "boards": M("wood", base_color="#a0703f")},
        (
            P("post", "box", (0.1, 1.8, 0.1), (0, 0.9, 0), "wood", aliases=("pole",)),
            P(
                "board_1",
                "box",
                (0.7, 0.17, 0.03),
                (0.25, 1.55, 0.065),
                "boards",
                (0, 0, 4),
                aliases=("board", "sign"),
            ),
            P(
                "board_2",
                "box",
                (0.65, 0.17, 0.03),
                (-0.22, 1.28, 0.065),
                "boards",
                (0, 0, -5),
                aliases=("board", "sign"),
            ),
            P("cap", "pyramid", (0.14, 0.1, 0.14), (0, 1.85, 0), "wood"),
        ),
        primary="wood",
        length_axis=1,
        polycount=600,
        stats={},
        lore="Two of its three arrows still point the right way.",
    ),
    A(
        "anvil",
        "tool",
        ("anvil",),
        {"iron": M("iron", base_color="#3e4045", roughness=0.45)},
        (
            P("foot", "box", (0.3, 0.1, 0.25), (0, 0.05, 0), "iron", aliases=("base",)),
            P("waist", "box", (0.16, 0.15, 0.14), (0, 0.17, 0), "iron"),
            P("face", "box", (0.45, 0.1, 0.18), (0, 0.29, 0), "iron", aliases=("top",)),
            P("horn", "cone", (0.15, 0.22, 0.15), (-0.33, 0.29, 0), "iron", (0, 0, 90)),
        ),
        primary="iron",
        length_axis=0,
        polycount=800,
        stats={"weight_kg": 75},
        lore="Rings like a bell; the smith swears it tells him when steel is ready.",
    ),
    A(
        "cauldron",
        "prop",
        ("cauldron", "pot", "kettle"),
        {
            "iron": M("iron", base_color="#2e2f33"),
            "brew": M("liquid", base_color="#5fd35f", emissive="#2ecc40", emissive_strength=1.5),
        },
        (
            P("body", "sphere", (0.7, 0.6, 0.7), (0, 0.5, 0), "iron", aliases=("pot", "bowl")),
            P("brew", "cylinder", (0.5, 0.03, 0.5), (0, 0.72, 0), "brew", aliases=("liquid", "potion")),
            P("rim", "torus", (0.54, 0.05, 0.54), (0, 0.73, 0), "iron", aliases=("lip",)),
            *ring_of("leg", "cylinder", (0.06, 0.32, 0.06), 0.22, 0.16, "iron", 3, tilt=10),
        ),
        primary="iron",
        glow="brew",
        polycount=2000,
        stats={"capacity_litres": 60, "weight_kg": 30},
        lore="Whatever is bubbling inside, it is looking back at you.",
    ),
    A(
        "bag",
        "container",
        ("bag", "sack", "pouch", "satchel", "loot", "loot bag"),
        {"cloth": M("cloth"), "rope": M("rope"), "gold": M("gold")},
        (
            P("body", "sphere", (0.4, 0.4, 0.35), (0, 0.2, 0), "cloth", aliases=("sack",)),
            P("neck", "cylinder", (0.12, 0.07, 0.12), (0, 0.42, 0), "cloth"),
            P("tuft", "sphere", (0.17, 0.08, 0.17), (0, 0.47, 0), "cloth"),
            P("tie", "torus", (0.135, 0.022, 0.135), (0, 0.415, 0), "rope", aliases=("rope", "string")),
            P(
                "coin",
                "cylinder",
                (0.03, 0.004, 0.03),
                (0.05, 0.51, 0.01),
                "gold",
                (20, 0, 10),
                aliases=("coins", "loot"),
                when=("loot", "treasure", "gold", "coins"),
            ),
        ),
        primary="cloth",
        polycount=1500,
        stats={"value_gold": 40, "weight_kg": 2},
        lore="Heavier than it looks, and it jingles.",
    ),
    A(
        "candle",
        "prop",
        ("candle", "candlestick", "candleholder"),
        {"wax": M("wax"), "holder": M("brass"), "flame": M("flame"), "wick": M("obsidian")},
        (
            P(
                "holder_dish",
                "cylinder",
                (0.14, 0.015, 0.14),
                (0, 0.0075, 0),
                "holder",
                aliases=("holder", "dish"),
            ),
            P(
                "holder_cup",
                "cylinder",
                (0.05, 0.04, 0.05),
                (0, 0.034, 0),
                "holder",
                aliases=("holder", "cup"),
            ),
            P(
                "holder_handle",
                "torus",
                (0.05, 0.01, 0.05),
                (0.085, 0.03, 0),
                "holder",
                (90, 0, 0),
                aliases=("holder", "handle"),
            ),
            P("candle", "cylinder", (0.035, 0.14, 0.035), (0, 0.12, 0), "wax"),
            P("wick", "cylinder", (0.003, 0.016, 0.003), (0, 0.196, 0), "wick"),
            P("flame", "sphere", (0.018, 0.04, 0.018), (0, 0.218, 0), "flame"),
        ),
        primary="wax",
        glow="flame",
        polycount=1200,
        stats={"light_radius_m": 3, "burn_time_s": 1800},
        lore="Lit every night by the same hand for forty years.",
    ),
    A(
        "dagger",
        "weapon",
        ("dagger", "knife", "dirk", "stiletto", "shiv", "throwing knife"),
        {"blade": M("steel"), "trim": M("steel", base_color="#8a8f96"), "grip": M("leather")},
        (
            P("pommel", "sphere", (0.03, 0.03, 0.03), (0, 0.015, 0), "trim"),
            P("grip", "cylinder", (0.022, 0.1, 0.022), (0, 0.075, 0), "grip", aliases=("handle", "hilt")),
            P("guard", "box", (0.09, 0.015, 0.022), (0, 0.13, 0), "trim", aliases=("crossguard",)),
            P("blade", "box", (0.03, 0.2, 0.006), (0, 0.235, 0), "blade"),
            P("tip", "pyramid", (0.03, 0.06, 0.006), (0, 0.364, 0), "blade"),
        ),
        primary="blade",
        glow="blade",
        polycount=1500,
        stats={"damage": 12, "attack_speed": 2.0, "crit_chance": 0.15, "weight_kg": 0.4},
        lore="Balanced for the throw; it has found more backs than hands.",
    ),
    A(
        "spear",
        "weapon",
        ("spear", "lance", "pike", "javelin", "trident", "halberd"),
        {"wood": M("wood"), "iron": M("iron"), "blade": M("steel")},
        (
            P("shaft", "cylinder", (0.035, 1.9, 0.035), (0, 0.97, 0), "wood", aliases=("haft", "pole")),
            P("butt_spike", "cone", (0.036, 0.05, 0.036), (0, 0.02, 0), "iron", (180, 0, 0)),
            P("socket", "cylinder", (0.046, 0.1, 0.046), (0, 1.93, 0), "iron"),
            P("blade", "sphere", (0.075, 0.28, 0.016), (0, 2.1, 0), "blade", aliases=("head", "point")),
        ),
        primary="blade",
        glow="blade",
        polycount=1200,
        stats={"damage": 22, "reach_m": 2.2, "attack_speed": 1.0, "weight_kg": 2.2},
        lore="A leaf-bladed spear of the old border guard.",
    ),
    A(
        "ring",
        "collectible",
        ("ring", "signet", "gemstone ring"),
        {"metal": M("gold"), "gem": M("gem", base_color="#1f9d55")},
        (
            P("band", "torus", (0.022, 0.0032, 0.022), (0, 0.011, 0), "metal", (90, 0, 0)),
            P("setting", "cylinder", (0.009, 0.004, 0.009), (0, 0.0225, 0), "metal"),
            P(
                "gem",
                "pyramid",
                (0.009, 0.009, 0.009),
                (0, 0.029, 0),
                "gem",
                (180, 45, 0),
                aliases=("gemstone", "jewel", "stone"),
            ),
        ),
        primary="metal",
        glow="gem",
        polycount=1500,
        stats={"value_gold": 150},
        lore="The gem warms slightly when its true owner is near.",
    ),
    A(
        "heart",
        "collectible",
        ("heart", "health pickup", "heart pickup", "extra life"),
        {
            "heart": M(
                "paint", base_color="#e8223b", roughness=0.25, emissive="#ff1f3d", emissive_strength=0.6
            )
        },
        (
            P("lobe_left", "sphere", (0.2, 0.2, 0.12), (-0.065, 0.3, 0), "heart", aliases=("lobe",)),
            P("lobe_right", "sphere", (0.2, 0.2, 0.12), (0.065, 0.3, 0), "heart", aliases=("lobe",)),
            P("point", "cone", (0.3, 0.27, 0.115), (0, 0.17, 0), "heart", (180, 0, 0)),
        ),
        primary="heart",
        glow="heart",
        polycount=1200,
        stats={"heal_amount": 25},
        lore="Grab it. You'll feel better.",
    ),
    A(
        "rocket",
        "vehicle",
        ("rocket", "rocket ship", "spaceship", "space ship", "shuttle", "starship"),
        {
            "hull": M("paint", base_color="#eeeeee"),
            "trim": M("paint", base_color="#d63031"),
            "window": M(
                "glass", base_color="#74b9ff", opacity=1.0, emissive="#74b9ff", emissive_strength=0.8
            ),
            "engine": M("steel", base_color="#555a60"),
        },
        (
            P("hull", "cylinder", (0.6, 2.0, 0.6), (0, 1.4, 0), "hull", aliases=("body",)),
            P("nose", "cone", (0.6, 0.9, 0.6), (0, 2.85, 0), "trim", aliases=("cone", "tip")),
            P("nozzle", "cone", (0.45, 0.32, 0.45), (0, 0.26, 0), "engine", (180, 0, 0), aliases=("engine",)),
            P(
                "window",
                "cylinder",
                (0.26, 0.05, 0.26),
                (0, 1.95, 0.29),
                "window",
                (90, 0, 0),
                aliases=("porthole",),
            ),
            *[
                P(
                    f"fin_{i + 1}",
                    "wedge",
                    (0.05, 0.7, 0.45),
                    (0.42 * math.sin(math.radians(a)), 0.6, 0.42 * math.cos(math.radians(a))),
                    "trim",
                    (0, a, 0),
                    aliases=("fin",),
                )
                for i, a in enumerate([0, 120, 240])
            ],
        ),
        primary="hull",
        glow="window",
        polycount=1500,
        stats={"speed_mps": 340, "fuel_s": 90},
        lore="Built in a barn from salvaged parts; it only has to work once.",
    ),
    A(
        "energy_cell",
        "prop",
        ("energy cell", "power cell", "fuel cell", "battery", "cell", "power core"),
        {"core": M("energy"), "metal": M("steel", base_color="#70757c")},
        (
            P("core", "cylinder", (0.08, 0.16, 0.08), (0, 0.1, 0), "core", aliases=("energy", "glass")),
            P("cap_bottom", "cylinder", (0.1, 0.03, 0.1), (0, 0.015, 0), "metal", aliases=("cap",)),
            P("cap_top", "cylinder", (0.1, 0.03, 0.1), (0, 0.185, 0), "metal", aliases=("cap",)),
            P("ring_low", "torus", (0.092, 0.008, 0.092), (0, 0.07, 0), "metal", aliases=("ring",)),
            P("ring_high", "torus", (0.092, 0.008, 0.092), (0, 0.13, 0), "metal", aliases=("ring",)),
            P("terminal", "cylinder", (0.03, 0.02, 0.03), (0, 0.21, 0), "metal"),
        ),
        primary="metal",
        glow="core",
        polycount=1200,
        stats={"charge_kj": 500, "weight_kg": 0.6},
        lore="Standard-issue; do not puncture, do not lick.",
    ),
    A(
        "space_helmet",
        "armor",
        ("space helmet", "astronaut helmet", "spacesuit helmet", "astronaut"),
        {
            "shell": M("paint", base_color="#f0f0f0"),
            "visor": M("obsidian", base_color="#15161a", roughness=0.05),
            "metal": M("steel"),
        },
        (
            P("shell", "sphere", (0.32, 0.32, 0.32), (0, 0.2, 0), "shell", aliases=("dome", "body")),
            P(
                "visor",
                "sphere",
                (0.24, 0.19, 0.12),
                (0, 0.21, 0.115),
                "visor",
                aliases=("glass", "faceplate"),
            ),
            P(
                "neck_ring",
                "cylinder",
                (0.27, 0.05, 0.27),
                (0, 0.025, 0),
                "metal",
                aliases=("ring", "collar"),
            ),
            P("ear_left", "cylinder", (0.08, 0.035, 0.08), (-0.16, 0.2, 0), "metal", (0, 0, 90)),
            P("ear_right", "cylinder", (0.08, 0.035, 0.08), (0.16, 0.2, 0), "metal", (0, 0, 90)),
        ),
        primary="shell",
        polycount=2000,
        stats={"defense": 8, "oxygen_s": 600},
        lore="Rated for hard vacuum and soft landings.",
    ),
    A(
        "ray_gun",
        "weapon",
        ("ray gun", "raygun", "blaster", "laser pistol", "pistol", "gun", "laser gun"),
        {
            "body": M("paint", base_color="#c0392b", metallic=0.6, roughness=0.3),
            "chrome": M("chrome"),
            "emitter": M("energy", base_color="#7dff6a", emissive="#7dff6a"),
        },
        (
            P("grip", "box", (0.035, 0.12, 0.03), (-0.02, 0.06, 0), "body", (0, 0, -15), aliases=("handle",)),
            P("body", "cylinder", (0.065, 0.2, 0.065), (0.05, 0.15, 0), "body", (0, 0, 90)),
            P("barrel", "cylinder", (0.025, 0.13, 0.025), (0.2, 0.15, 0), "chrome", (0, 0, 90)),
            *[
                P(
                    f"ring_{i + 1}",
                    "torus",
                    (0.055, 0.01, 0.055),
                    (x, 0.15, 0),
                    "chrome",
                    (0, 0, 90),
                    aliases=("ring",),
                )
                for i, x in enumerate([0.17, 0.21, 0.245])
            ],
            P("emitter", "sphere", (0.032, 0.032, 0.032), (0.27, 0.15, 0), "emitter", aliases=("tip",)),
            P("fin", "box", (0.07, 0.045, 0.005), (0.03, 0.2, 0), "chrome"),
        ),
        primary="body",
        glow="emitter",
        length_axis=0,
        polycount=2000,
        stats={"damage": 15, "fire_rate": 3.0, "energy_per_shot": 5},
        lore="Zap-tastic; the warranty expired in 1957.",
    ),
    A(
        "chair",
        "furniture",
        ("chair", "throne", "seat"),
        {"wood": M("wood")},
        (
            P("seat", "box", (0.45, 0.05, 0.45), (0, 0.45, 0), "wood"),
            *[
                P(
                    f"leg_{i + 1}",
                    "box",
                    (0.05, 0.45, 0.05),
                    (sx * 0.19, 0.225, sz * 0.19),
                    "wood",
                    aliases=("leg",),
                )
                for i, (sx, sz) in enumerate([(1, 1), (1, -1), (-1, 1), (-1, -1)])
            ],
            P("back", "box", (0.45, 0.5, 0.04), (0, 0.72, -0.205), "wood", aliases=("backrest",)),
        ),
        primary="wood",
        polycount=600,
        stats={"weight_kg": 6},
        lore="Someone carved initials under the seat.",
    ),
    A(
        "tankard",
        "prop",
        ("tankard", "mug", "stein", "cup", "goblet"),
        {
            "body": M("wood", base_color="#9a6a3a"),
            "metal": M("iron"),
            "ale": M("liquid", base_color="#e0b050", opacity=1.0),
        },
        (
            P("body", "cylinder", (0.1, 0.15, 0.1), (0, 0.075, 0), "body"),
            P("ale", "cylinder", (0.085, 0.01, 0.085), (0, 0.152, 0), "ale", aliases=("beer", "drink")),
            P("hoop_low", "torus", (0.106, 0.01, 0.106), (0, 0.03, 0), "metal", aliases=("hoop",)),
            P("hoop_high", "torus", (0.106, 0.01, 0.106), (0, 0.12, 0), "metal", aliases=("hoop",)),
            P("handle", "torus", (0.08, 0.015, 0.08), (0.06, 0.08, 0), "body", (90, 0, 0)),
        ),
        primary="body",
        polycount=1200,
        stats={"capacity_litres": 0.5},
        lore="Holds exactly one tall tale's worth of ale.",
    ),
    A(
        "gem",
        "collectible",
        ("gem", "gemstone", "jewel", "diamond", "ruby", "sapphire", "emerald"),
        {"gem": M("gem", base_color="#2ecc71")},
        (
            P("crown", "pyramid", (0.04, 0.015, 0.04), (0, 0.037, 0), "gem", (0, 45, 0)),
            P("pavilion", "pyramid", (0.04, 0.03, 0.04), (0, 0.015, 0), "gem", (180, 45, 0)),
        ),
        primary="gem",
        glow="gem",
        polycount=600,
        stats={"value_gold": 200},
        lore="Cut by a jeweller who went blind finishing it.",
    ),
]

GENERIC = Archetype(
    "generic", "generic", (),
    {"body": M("paint", base_color="#b0b4ba"), "base": M("stone", base_color="#6e6e6e")},
    (P("base", "cylinder", (0.5, 0.05, 0.5), (0, 0.025, 0), "base", aliases=("stand", "pedestal")),
     P("body", "box", (0.35, 0.35, 0.35), (0, 0.225, 0), "body"),
     P("top", "sphere", (0.25, 0.25, 0.25), (0, 0.45, 0), "body")),
    primary="body", polycount=1000,
    lore="Its purpose is for you to decide.",
)  # fmt: skip

BY_NAME: dict[str, Archetype] = {a.name: a for a in [*ARCHETYPES, GENERIC]}
