"""Arithmetic expressions in template files: ``"0.4*h"``, ``"r*sin(i*360/n)"``.

A template writes part sizes, positions and rotations against its named parameters. Each
expression is parsed once, when the library loads, with Python's :mod:`ast` and checked
against a whitelist (numbers, the template's parameter names, ``i`` and ``n`` inside a
``repeat``, ``+ - * / // %``, ``**`` with a constant exponent up to 4, and the functions in :data:`FUNCTIONS`); anything else
(attributes, subscripts, calls of other names, strings) is refused with the offending text.
The checked tree is compiled to a code object, so evaluating it costs about a microsecond.

Angles given to ``sin``/``cos``/``tan`` are in degrees, as the spec's rotations are.
"""

from __future__ import annotations

import ast
import math
from typing import NamedTuple

FUNCTIONS = {
    "sin": lambda deg: math.sin(math.radians(deg)),
    "cos": lambda deg: math.cos(math.radians(deg)),
    "tan": lambda deg: math.tan(math.radians(deg)),
    "sqrt": math.sqrt,
    "abs": abs,
    "min": min,
    "max": max,
    "floor": math.floor,
    "ceil": math.ceil,
}
CONSTANTS = {"pi": math.pi}
_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Call,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.USub,
    ast.UAdd,
    ast.IfExp,
    ast.Compare,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.Eq,
    ast.NotEq,
)
MAX_EXPR_CHARS = 200
_GLOBALS = {"__builtins__": {}, **FUNCTIONS, **CONSTANTS}


class ExprError(ValueError):
    """An expression that is not allowed or does not parse; the message quotes it."""


_CODE: dict[str, object] = {}  # expression text -> compiled code, shared by every template


class Expr(NamedTuple):
    """A checked expression (or a plain number) over named variables. A named tuple, so the
    library's disk cache holds ~7,000 of them cheaply; the code is compiled on first use.

    Attributes
    ----------
    text : str
        The source, as written in the template file.
    names : frozenset[str]
        Variables it reads (parameters, ``i``, ``n``); empty for a constant.
    value : float
        The constant's value (unused otherwise).
    """

    text: str
    names: frozenset
    value: float = 0.0

    def __call__(self, env: dict[str, float]) -> float:
        """Value for the variables in ``env``.

        Raises
        ------
        ExprError
            A variable is missing, or the arithmetic fails (division by zero, overflow).
        """
        if not self.names:
            return self.value
        code = _CODE.get(self.text)
        if code is None:  # the text was checked when the library loaded
            code = _CODE[self.text] = compile(self.text, "<template>", "eval")
        try:
            out = eval(code, _GLOBALS, env)
        except (ArithmeticError, ValueError, TypeError, NameError) as e:
            raise ExprError(f"'{self.text}': {e}") from None
        out = float(out)
        if not math.isfinite(out):
            raise ExprError(f"'{self.text}' is not a finite number")
        return out


_MEMO: dict[object, Expr] = {}


def parse_expr(source: float | int | str, allowed: set[str] | frozenset[str]) -> Expr:
    """Check and compile ``source`` (memoised: a library repeats the same expressions), see
    :func:`_parse_expr`."""
    key = (type(source), source)
    hit = _MEMO.get(key)
    if hit is None:
        hit = _parse_expr(source, None)
        if len(_MEMO) < 200_000:
            _MEMO[key] = hit
    unknown = sorted(hit.names - set(allowed))
    if unknown:
        raise ExprError(f"'{hit.text}': unknown name '{unknown[0]}'; known: {sorted(allowed)}")
    return hit


def _parse_expr(source: float | int | str, allowed: set[str] | frozenset[str] | None) -> Expr:
    """Check and compile ``source``; numbers pass through.

    Parameters
    ----------
    source : float | int | str
        A number, or an expression such as ``"0.5*h + 0.01"``.
    allowed : set[str]
        Variable names it may read.

    Raises
    ------
    ExprError
        Syntax error, a construct outside the whitelist, or an unknown name (the message lists
        the known ones).
    """
    if isinstance(source, bool):
        raise ExprError(f"{source!r} is not a number or an expression")
    if isinstance(source, int | float):
        if not math.isfinite(source):
            raise ExprError(f"{source!r} is not a finite number")
        return Expr(str(source), frozenset(), float(source))
    if not isinstance(source, str):
        raise ExprError(f"{source!r} is not a number or an expression")
    text = source.strip()
    if not text or len(text) > MAX_EXPR_CHARS:
        raise ExprError(f"'{text[:40]}' must be 1 to {MAX_EXPR_CHARS} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        raise ExprError(f"'{text}' does not parse: {e.msg}") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        _check_node(node, text, allowed, names)
    code = compile(tree, "<template>", "eval")
    if not names:  # constant expression: fold it now
        return Expr(text, frozenset(), _fold(code, text))
    _CODE[text] = code
    return Expr(text, frozenset(names))


def _check_node(node: ast.AST, text: str, allowed: set[str] | frozenset[str] | None, names: set[str]) -> None:
    """Refuse ``node`` of expression ``text`` unless the whitelist allows it (``ExprError``
    naming the construct); add a variable it reads to ``names``."""
    if not isinstance(node, _NODES):
        raise ExprError(f"'{text}': {type(node).__name__} is not allowed in an expression")
    if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
        raise ExprError(f"'{text}': only numbers may appear as constants")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        right = node.right
        if not (
            isinstance(right, ast.Constant) and isinstance(right.value, int | float) and abs(right.value) <= 4
        ):
            raise ExprError(f"'{text}': '**' takes a number from -4 to 4 as the exponent")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
            raise ExprError(f"'{text}': only {sorted(FUNCTIONS)} may be called")
    elif isinstance(node, ast.Name) and node.id not in FUNCTIONS and node.id not in CONSTANTS:
        if allowed is not None and node.id not in allowed:
            raise ExprError(f"'{text}': unknown name '{node.id}'; known: {sorted(allowed)}")
        names.add(node.id)


def _fold(code, text: str) -> float:
    """The value of a constant expression's ``code`` (``ExprError`` when the arithmetic fails
    or the result is not finite)."""
    try:
        value = float(eval(code, _GLOBALS, {}))
    except (ArithmeticError, ValueError, TypeError) as e:
        raise ExprError(f"'{text}': {e}") from None
    if not math.isfinite(value):
        raise ExprError(f"'{text}' is not a finite number")
    return value
