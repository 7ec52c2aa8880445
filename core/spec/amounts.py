"""How much: amounts and counts in edit instructions, read so they mean what they say.

``make it 50 % taller`` multiplies the height by 1.5, ``50 % as tall`` by 0.5, ``50 % shorter``
by 0.5, ``make it 150 %`` every side by 1.5, ``three times as tall`` by 3, ``3x smaller`` by
1/3, ``10 cm taller`` adds 0.1 m, ``make it 2 m tall`` sets 2 m. An amount that would leave a
size of zero or less (``100 % shorter``, ``1000 % smaller``) is refused with the reason,
never clamped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import SpecError, clip

NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "single": 1,
    "two": 2,
    "pair": 2,
    "couple": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
    "twenty": 20,
}
MULTIPLIER_WORDS = {"twice": 2.0, "double": 2.0, "thrice": 3.0, "triple": 3.0, "quadruple": 4.0}
FRACTION_WORDS = {"half": 0.5, "third": 1 / 3, "quarter": 0.25}
LENGTH_UNITS = {
    "m": 1.0,
    "metre": 1.0,
    "metres": 1.0,
    "meter": 1.0,
    "meters": 1.0,
    "cm": 0.01,
    "centimetre": 0.01,
    "centimetres": 0.01,
    "centimeter": 0.01,
    "centimeters": 0.01,
    "mm": 0.001,
    "millimetre": 0.001,
    "millimetres": 0.001,
    "millimeter": 0.001,
    "millimeters": 0.001,
}
MAX_COUNT = 64

_NUM = r"\d+(?:\.\d+)?(?:e[+-]?\d+)?"
_UNIT = "|".join(sorted(LENGTH_UNITS, key=len, reverse=True))
_LENGTH = re.compile(rf"({_NUM})\s*({_UNIT})\b")
_PERCENT = re.compile(rf"({_NUM})%")
_TIMES = re.compile(
    rf"\b({_NUM}|{'|'.join(w for w in NUMBER_WORDS if w not in ('a', 'an'))})\s*(?:x|×|times)(?=\s|$)"
)


def normalise(text: str) -> str:
    """Lower case, one space between words, ``50 %`` / ``50 percent`` / ``50 per cent`` ->
    ``50%``, and thousands separators removed (``1,000%`` -> ``1000%``), so clause splitting
    at commas and word lookup see one token per amount."""
    text = " ".join(str(text).lower().split())
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = re.sub(r"(?<=\d),(?=\d{1,2}\s*%)", ".", text)  # a decimal comma: 1,5 % -> 1.5%
    text = re.sub(r"(\d)\s*(?:%+|percent\b|per cent\b)", r"\1%", text)
    return re.sub(r"(\d)\s*(?:x|×)(?=\s|$)", r"\1x", text)


@dataclass(frozen=True)
class Amount:
    """A size change: ``factor`` (multiply), ``delta`` (add metres, may be negative) or
    ``absolute`` (set to metres)."""

    kind: str
    value: float

    def apply(self, size: float, what: str, clause: str) -> float:
        """The new size (metres) for ``size``; ``what`` names it in errors ("height").

        Raises
        ------
        SpecError
            The result would be zero or negative.
        """
        new = {"factor": size * self.value, "delta": size + self.value, "absolute": self.value}[self.kind]
        if not new > 0:
            raise SpecError(
                f'"{clip(clause)}" would leave a {what} of {new:.3g} m: a size must stay above zero.',
                "Shrink by less than 100 %, or say how much smaller, e.g. 'half as tall' or '3 times smaller'.",
            )
        return new


def parse_amount(clause: str, grows: bool | None) -> Amount | None:
    """The amount a size clause asks for, or None when it names none (the caller's default).

    Parameters
    ----------
    clause : str
        One normalised clause (:func:`normalise`), e.g. ``"make it 50% taller"``.
    grows : bool or None
        True for a comparative that grows (*taller*, *bigger*), False for one that shrinks
        (*shorter*, *smaller*), None for a plain adjective (*tall*) or none at all
        (``make it 150%``).

    Raises
    ------
    SpecError
        A zero or negative multiplier ("0 times as tall").
    """
    as_ = re.search(r"%\s+(?:as|of)\b", clause) is not None
    m = _LENGTH.search(clause)
    if m:
        metres = float(m.group(1)) * LENGTH_UNITS[m.group(2)]
        if grows is None:
            return Amount("absolute", metres)
        return Amount("delta", metres if grows else -metres)
    m = _PERCENT.search(clause)
    if m:
        p = float(m.group(1)) / 100
        if grows is None or as_:  # "make it 150%", "50% as tall", "50% of its height"
            return Amount("factor", p)
        return Amount("factor", 1 + p if grows else 1 - p)
    m = _TIMES.search(clause)
    n = None
    if m:
        n = float(m.group(1)) if m.group(1)[0].isdigit() else float(NUMBER_WORDS[m.group(1)])
    else:
        n = next((v for w, v in MULTIPLIER_WORDS.items() if re.search(rf"\b{w}\b", clause)), None)
    if n is not None:
        if n <= 0:
            raise SpecError(f'"{clip(clause)}": {n:g} times would leave nothing.', "Use a number above 0.")
        return Amount("factor", 1 / n if grows is False else n)
    for word, value in FRACTION_WORDS.items():
        if re.search(rf"\b{word}\b", clause):
            return Amount("factor", value)
    return None


def parse_count(words: list[str], noun_index: int) -> int:
    """How many of the noun at ``words[noun_index]`` are asked for: the number word or digits
    just before it ("two wheels", "3 candles", "a pair of horns"); 1 when none.

    Raises
    ------
    SpecError
        Zero, or more than :data:`MAX_COUNT`.
    """
    count = 1
    for w in reversed(words[max(0, noun_index - 3) : noun_index]):
        if w.isdigit():
            count = int(w)
            break
        if w in NUMBER_WORDS and w not in ("a", "an"):
            count = NUMBER_WORDS[w]
            break
    if count < 1:
        raise SpecError("Adding 0 parts changes nothing.", 'Say how many, e.g. "add two wheels".')
    if count > MAX_COUNT:
        raise SpecError(f"{count} parts at once is too many.", f"Add at most {MAX_COUNT} at a time.")
    return count


__all__ = ["Amount", "normalise", "parse_amount", "parse_count"]
