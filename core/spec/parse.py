"""Read a description: find the object (the head noun) and what attaches to it, and how.

"a plush teddy **bear** with a satin **bow**" -> head ``bear`` (teddy bear), then ``with`` ->
``bow``. The steps:

1. Tokens: lower-case words (hyphenated words kept whole, possessive *'s* dropped, commas kept).
2. Segments: the tokens are cut at relation phrases (:data:`RELATIONS`: *with*, *on top of*,
   *perched on*, *inside*, *holding*, *made of*, ...). The first segment names the object.
3. Nouns: in each segment, the rightmost noun the library knows, preferring the longest
   multi-word noun that ends there ("champagne flute" over "flute", "heart pickup" over
   "pickup"); wrapper words ("model", "icon", "prop") are skipped. A word the library does not
   know is split as a compound ("broomstick" -> broom + stick, the head being the known part).
4. Quantities and representations: "stack **of** coins", "pair of boots", "statue of a lion"
   take the object from the *of* segment; numbers ("two", "3", "a pair of") are counts.

The parse knows nothing of geometry; :mod:`core.spec.builtin` turns it into a spec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.spec.library import Library, singulars
from core.spec.vocab import WORDS

ON, IN, OF, WITH, TOP, HOLD, BESIDE = "on", "in", "of", "with", "topped", "holding", "beside"
MATERIAL, IGNORE, AND = "material", "ignore", "and"

RELATIONS: dict[tuple[str, ...], str] = {tuple(k.split()): r for k, r in WORDS["relations"].items()}
_MAX_REL = max(len(k) for k in RELATIONS)

QUANTIFIERS: set[str] = set(WORDS["quantifiers"])
REPRESENTATIONS: dict[str, str] = WORDS["representations"]
WRAPPERS: set[str] = set(WORDS["wrappers"])
DECORATIONS: set[str] = set(WORDS["decorations"])
NUMBERS: dict[str, int] = WORDS["numbers"]
STOPWORDS: set[str] = set(WORDS["stopwords"])
COMPOUND_PARTS: set[str] = set(WORDS["compound_parts"])

_TOKEN = re.compile(r"'s\b|[^\W_]+(?:['’-][^\W_]+)*|[,;]", re.UNICODE)
POSSESSIVE = "'s"  # kept as a token: the noun before it owns the object ("knight's lance")
_PHRASES = [
    (re.compile(r"\blow[\s_-]?poly\b"), "low-poly"),
    (re.compile(r"\bsci[\s_-]?fi\b"), "sci-fi"),
    (re.compile(r"['’]-|-['’]"), "-"),
    (re.compile(r"(\w)['’]s\b"), r"\1 's"),
    (re.compile(r"(\w)s['’](?=\s|$)"), r"\1s 's"),
]


@dataclass
class Noun:
    """A noun found in a segment: token span ``[start, end)``, its words and the templates
    naming it (empty for an unknown noun)."""

    start: int
    end: int
    words: tuple[str, ...]
    templates: list[str]
    how: str = "noun"  # noun | compound | unknown

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass
class Segment:
    """Tokens between two relation phrases; ``relation`` is how they attach to the object."""

    relation: str
    tokens: list[str]
    noun: Noun | None = None
    count: int | None = None


@dataclass
class Parse:
    """A read description. ``head`` indexes the segment naming the object; ``material`` is a
    representation's material ("statue of a lion" -> stone)."""

    tokens: list[str]
    segments: list[Segment]
    head: int | None
    material: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def head_noun(self) -> Noun | None:
        return None if self.head is None else self.segments[self.head].noun

    def words(self) -> set[str]:
        """Every token, and the singular forms of every token."""
        out = set(self.tokens)
        for t in self.tokens:
            out.update(singulars(t))
        return out


def tokenize(text: str) -> list[str]:
    """Lower-case tokens; "low poly" -> ``low-poly``, possessive *'s* dropped, commas kept."""
    low = text.lower()
    for pattern, repl in _PHRASES:
        low = pattern.sub(repl, low)
    from core.spec import vocab

    return [vocab.SYNONYMS.get(w, w) for w in _TOKEN.findall(low)]


def join_phrases(tokens: list[str], lib: Library) -> list[str]:
    """Merge the library's nouns that contain a relation word ("chest of drawers", "jack in the
    box") into one token, so segmenting does not cut them."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for n in (5, 4, 3):
            words = tuple(tokens[i : i + n])
            if len(words) == n and any((w,) in RELATIONS for w in words[1:-1]) and lib.lookup(words):
                out.append(" ".join(words))
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def segment(tokens: list[str]) -> list[Segment]:
    """Cut ``tokens`` at relation phrases (longest phrase first); empty segments dropped."""
    segs = [Segment("head", [])]
    i = 0
    while i < len(tokens):
        for n in range(min(_MAX_REL, len(tokens) - i), 0, -1):
            rel = RELATIONS.get(tuple(tokens[i : i + n]))
            if rel is not None and (i > 0 or rel in (ON, IN)) and not (rel == ON and i + n == len(tokens)):
                segs.append(Segment(rel, []))
                i += n
                break
        else:
            segs[-1].tokens.append(tokens[i])
            i += 1
    head = segs[0]
    rest = [s for s in segs[1:] if s.tokens]
    return [head, *rest] if head.tokens else rest


def find_noun(tokens: list[str], lib: Library) -> Noun | None:
    """The rightmost known noun of ``tokens`` (longest phrase ending there), else a compound.
    A material word before another word is the material of what follows, not an object:
    "with iron bands" names bands of iron, not a clothes iron."""
    from core.spec.vocab import MATERIAL_WORDS

    for end in range(len(tokens), 0, -1):
        last = tokens[end - 1]
        if last in NUMBERS and last not in ("pair", "couple"):
            continue
        if last in MATERIAL_WORDS and end < len(tokens) and tokens[end] not in (",", POSSESSIVE):
            continue
        for n in range(min(4, end), 0, -1):
            words = tuple(tokens[end - n : end])
            if "," in words or POSSESSIVE in words:
                continue
            if end < len(tokens) and tokens[end] == POSSESSIVE and end < len(tokens) - 1:
                continue  # the owner, not the object: "knight's lance"
            hit = lib.lookup(tuple(words[0].split())) if n == 1 and " " in words[0] else lib.lookup(words)
            if n == 1 and not hit and ("-" in last or "'" in last or "’" in last):
                parts = tuple(x for x in re.split(r"[-'’]", last) if x)
                # "jack-o'-lantern" -> "jack o lantern", "jackolantern", then "lantern"
                hit = lib.lookup(parts) or lib.lookup(("".join(parts),)) or lib.lookup(parts[-1:])
            if hit:
                return Noun(end - n, end, words, hit)
        if last in WRAPPERS:
            continue
    word = unknown_head(tokens)  # compounds: "broomstick", "sunflower", "firetruck"
    if word is not None:
        hit = _compound(word, lib)
        if hit:
            k = len(tokens) - 1 - tokens[::-1].index(word)
            return Noun(k, k + 1, (word,), hit, "compound")
    return None


def _compound(word: str, lib: Library) -> list[str]:
    """Templates of a compound's head: the longest known suffix of at least four letters after a
    modifier of at least three ("sun|flower", "fire|truck"); a known prefix when the suffix is a
    part word ("broom|stick", "cannon|ball")."""
    word = word.replace("-", "")
    for k in range(3, len(word) - 3):
        head, mod = word[k:], word[:k]
        if head in COMPOUND_PARTS:
            prefix = lib.lookup((mod,))
            if prefix and len(mod) >= 4:
                return prefix
            continue
        suffix = lib.lookup((head,))
        if suffix:
            return suffix
    return []


def unknown_head(tokens: list[str]) -> str | None:
    """The word that most likely names the object when the library knows none: the rightmost
    token that is not a number, stop word, colour, material, size or style word."""
    from core.spec import vocab

    skip = (
        STOPWORDS
        | set(NUMBERS)
        | set(vocab.COLOR_WORDS)
        | set(vocab.MATERIAL_WORDS)
        | set(vocab.SIZE_WORDS)
        | set(vocab.SHAPE_WORDS)
        | set(vocab.STYLE_WORDS)
        | vocab.GLOW_WORDS
        | set(vocab.TINT_WORDS)
        | set(vocab.RARITY_WORDS)
        | WRAPPERS
        | {",", ";"}
    )
    for t in reversed(tokens):
        if t not in skip and not t.isdigit() and len(t) > 1 and not t.endswith(("ing", "ed", "ly")):
            return t
    return None


def count_in(tokens: list[str], before: int | None = None) -> int | None:
    """A count written before position ``before`` ("two", "3", "a dozen"), or None."""
    for t in tokens[: before if before is not None else len(tokens)]:
        if t.isdigit() and 0 < int(t) <= 1000:
            return int(t)
        if t in NUMBERS:
            return NUMBERS[t]
    return None


def _lift_of(out: Parse) -> None:
    """ "stack of coins", "pair of boots", "statue of a lion": the *of* segment names the
    object; the first word becomes a count or a material."""
    segs = out.segments
    if len(segs) < 2 or segs[0].relation != "head" or segs[1].relation != OF or segs[1].noun is None:
        return
    first = segs[0]
    word = first.noun.words[-1] if first.noun else unknown_head(first.tokens) or ""
    if word not in QUANTIFIERS and word not in REPRESENTATIONS:
        return
    if first.noun and first.noun.templates and word not in QUANTIFIERS and word not in REPRESENTATIONS:
        return
    nxt = segs[1]
    if word in REPRESENTATIONS:
        out.material = REPRESENTATIONS[word]
    if word in QUANTIFIERS and nxt.count is None:
        nxt.count = {"pair": 2, "couple": 2}.get(word, 6)
    k = first.tokens.index(word) if word in first.tokens else len(first.tokens)
    nxt.relation = "head"
    nxt.tokens = first.tokens[:k] + nxt.tokens
    nxt.noun.start += k
    nxt.noun.end += k
    segs.pop(0)


def _split_participles(segs: list[Segment], lib: Library) -> list[Segment]:
    """ "panda **eating** bamboo", "robot **playing** a guitar": a verb after the first segment's
    noun starts a new segment attached *with*, so the object stays the panda."""
    if not segs or segs[0].relation != "head":
        return segs
    from core.spec import vocab

    toks = segs[0].tokens
    seen_noun = False
    for k, tok in enumerate(toks):
        nxt = toks[k + 1] if k + 1 < len(toks) else ""
        gerund_noun = bool(nxt) and bool(lib.lookup((tok, nxt)))  # "frying pan", "fishing rod"
        if (
            seen_noun
            and len(tok) > 4
            and tok.endswith(("ing", "ed"))
            and not lib.lookup((tok,))
            and not gerund_noun
        ):
            rest = toks[k + 1 :]
            if rest:
                return [Segment("head", toks[:k]), Segment(WITH, rest), *segs[1:]]
            return segs
        material = tok in vocab.MATERIAL_WORDS or tok in vocab.COLOR_WORDS  # "cast iron frying pan"
        if lib.lookup((tok,)) and not material and not (k + 1 < len(toks) and toks[k + 1] == POSSESSIVE):
            seen_noun = True
    return segs


def parse(text: str, lib: Library) -> Parse:
    """Segments, nouns and the head of a cleaned description (see the module docstring)."""
    tokens = join_phrases(tokenize(text), lib)
    segs = _split_participles(segment(tokens), lib)
    for s in segs:
        if s.relation not in (MATERIAL,):
            s.noun = find_noun(s.tokens, lib)
        s.count = count_in(s.tokens, s.noun.start if s.noun else None)
    out = Parse(tokens, segs, None)
    _lift_of(out)
    head = next((i for i, s in enumerate(segs) if s.noun and s.relation in ("head", AND)), None)
    if head is None and segs and segs[0].relation == "head" and unknown_head(segs[0].tokens) is None:
        # "glowing red, with a hilt" -> nothing named first: take the first named thing
        head = next((i for i, s in enumerate(segs) if s.noun and s.relation != MATERIAL), None)
    if head is not None:
        h = segs[head]
        if h.noun and h.noun.start > 0 and h.tokens[h.noun.start - 1] in REPRESENTATIONS:
            out.material = out.material or REPRESENTATIONS[h.tokens[h.noun.start - 1]]
    elif segs and segs[0].relation == "head":
        # the object is a word the library does not know: keep the segment, no templates
        word = unknown_head(segs[0].tokens)
        if word is not None:
            k = len(segs[0].tokens) - 1 - segs[0].tokens[::-1].index(word)
            segs[0].noun = Noun(k, k + 1, (word,), [], "unknown")
            head = 0
    out.head = head
    return out
