"""Property-based tests (Hypothesis) for issue 13: for arbitrary descriptions, spec JSON, edit
instructions, checkpoints and point clouds the core raises nothing but its own typed errors
(:class:`core.errors.WorkbenchError` and subclasses), what it accepts is sound (finite
numbers, amounts that mean what they say, paths inside the job folder, meshes the size of
their cloud), and nothing is written outside the output folder.

Every example runs in a fresh sandbox folder with ``out/`` (the output folder), ``cwd/`` (the
working directory during the call) and ``outside/secret.txt``; after the call, everything but
``out/`` must be as it was. Runs are derandomized (the same examples every run, no example
database written into the repository); set ``HYPOTHESIS_DEEP=1`` for a longer random
search.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import math
import os
import shutil
import tempfile
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from core.errors import CheckpointError, ConversionError, SpecError, WorkbenchError

# Hypothesis keeps caches in ./.hypothesis even without an example database: keep them out of
# the repository
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "workbench-hypothesis")
DEEP = bool(os.environ.get("HYPOTHESIS_DEEP"))  # HYPOTHESIS_DEEP=1: 20x the examples, random seeds
_BASE = settings(
    deadline=None,
    database=None,
    derandomize=not DEEP,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # conftest's autouse settings fixture; each example has its own sandbox
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


def examples(n: int) -> settings:
    """``n`` examples per property (20 times more with ``HYPOTHESIS_DEEP=1``)."""
    return settings(_BASE, max_examples=n * 20 if DEEP else n)


# --- the sandbox ---------------------------------------------------------------------------------
def _tree(root: Path, skip: Path) -> dict[str, tuple]:
    seen = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        d = Path(dirpath)
        if d == skip:
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            p = d / name
            if p == skip:
                continue
            st_ = p.lstat()
            seen[str(p.relative_to(root))] = (st_.st_mode, st_.st_size, st_.st_mtime_ns)
    return seen


@contextlib.contextmanager
def sandbox():
    """A fresh folder with ``out/`` (where writing is allowed), ``cwd/`` (the working
    directory meanwhile) and ``outside/secret.txt``; checks afterwards that nothing but
    ``out/`` changed."""
    root = Path(tempfile.mkdtemp(prefix="wb-prop-"))
    box = SimpleNamespace(root=root, out=root / "out", cwd=root / "cwd", outside=root / "outside")
    for d in (box.out, box.cwd, box.outside):
        d.mkdir()
    box.secret = box.outside / "secret.txt"
    box.secret.write_bytes(b"s3cr3t: this file lies outside the output folder\n")
    before = _tree(root, box.out)
    old = os.getcwd()
    os.chdir(box.cwd)
    try:
        yield box
        after = _tree(root, box.out)
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        assert not changed, f"written outside the output folder: {changed}"
    finally:
        os.chdir(old)
        shutil.rmtree(root, ignore_errors=True)


def _finite(tree) -> bool:
    if isinstance(tree, float):
        return math.isfinite(tree)
    if isinstance(tree, dict):
        return all(_finite(v) for v in tree.values())
    if isinstance(tree, (list, tuple)):
        return all(_finite(v) for v in tree)
    return True


# --- strategies ----------------------------------------------------------------------------------
NASTY_CHARS = [
    "\x00",
    "\udcff",
    "\udc80",
    "\ud800",
    "\u202e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\x1b",
    "\x7f",
    "\t",
    "\n",
    "\r",
    "\x0b",
    " ",
    "\u00a0",
    "\u0301",
    "🗡️",
    "👨‍👩‍👧",
    "سيف",
    "חרב",
    "木",
    "%",
    "-",
    "'",
    '"',
    "\\",
    "/",
    "..",
    "{}",
]
WORDS = [
    "elvish",
    "sword",
    "wooden",
    "chest",
    "potion",
    "with",
    "of",
    "on",
    "gold",
    "glowing",
    "red",
    "huge",
    "tiny",
    "low-poly",
    "sci-fi",
    "dwarven",
    "axe",
    "cart",
    "barrel",
    "lantern",
    "crystal",
    "blade",
]
chars = st.one_of(st.characters(), st.sampled_from([c for c in NASTY_CHARS if len(c) == 1]))
pieces = st.one_of(chars, st.sampled_from(NASTY_CHARS))  # emoji sequences, words, ".." too


def text(max_size: int, min_size: int = 0):
    """Text of ``min_size``-``max_size`` pieces: any code point (lone surrogates included),
    control and bidi characters, emoji sequences, RTL words."""
    return st.lists(pieces, min_size=min_size, max_size=max_size).map("".join)


descriptions = st.one_of(
    text(80),
    st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(NASTY_CHARS)), max_size=12).map(" ".join),
    st.tuples(text(12, 1), st.integers(50, 9000)).map(lambda t: t[0] * t[1]),
    st.sampled_from(
        ["", " ", "\x00", "\udcff", "sword \udcff\udcfe", "elvish sword " * 7700, "\u202e\u2066"]
    ),
)


@given(descriptions)
@example("sword \udcff\udcfe")
@example("elvish sword " * 7700)
@examples(100)
def test_clean_description_refuses_with_spec_error_or_returns_clean_text(description):
    from core.spec.builtin import MAX_DESCRIPTION_CHARS, clean_description

    with sandbox():
        try:
            clean, warnings = clean_description(description)
        except SpecError:
            event("refused")
            return
    assert clean and clean == clean.strip() and len(clean) <= MAX_DESCRIPTION_CHARS
    clean.encode("utf-8")  # no lone surrogate survives (invalid UTF-8 from argv)
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in clean)
    letters = sum(1 for c in description if unicodedata.category(c)[0] in "LN")
    if letters > MAX_DESCRIPTION_CHARS:
        assert warnings, "a description that was cut must say so"


@given(
    descriptions,
    st.one_of(st.none(), st.sampled_from(["low-poly", "elvish", "sci-fi"]), text(8)),
)
@example("sword \udcff\udcfe", None)
@example("elvish sword " * 7700, None)
@examples(60)
def test_builtin_writer_gives_a_valid_spec_or_a_typed_error(description, style):
    from core.spec.builtin import MAX_DESCRIPTION_CHARS
    from core.spec.io import dump_spec, parse_spec
    from core.spec.writers import get_writer

    with sandbox():
        try:
            result = get_writer("builtin").write(description, style=style)
        except WorkbenchError:
            event("refused")
            return
    dumped = dump_spec(result.spec)
    dumped.encode("utf-8")
    assert _finite(result.spec.model_dump(mode="json"))
    assert parse_spec(dumped) == result.spec
    if sum(1 for c in description if unicodedata.category(c)[0] in "LN") > MAX_DESCRIPTION_CHARS:
        assert result.warnings, "a description that was cut must say so"


# --- spec JSON -----------------------------------------------------------------------------------
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    text(20),
)
json_trees = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(text(12), children, max_size=5)
    ),
    max_leaves=30,
)

_SPECS: list[dict] = []


def base_specs() -> list[dict]:
    """Valid spec dicts of a few archetypes (built once)."""
    if not _SPECS:
        from core.spec.builtin import BuiltinSpecWriter

        for text in ("elvish sword", "wooden chest", "magical healing potion", "wooden cart"):
            _SPECS.append(BuiltinSpecWriter().write(text).spec.model_dump(mode="json"))
    return _SPECS


def _paths(tree, prefix=()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += _paths(v, (*prefix, i))
    return out


def _set(tree, path, value):
    cur = tree
    for key in path[:-1]:
        cur = cur[key]
    cur[path[-1]] = value


def _delete(tree, path):
    cur = tree
    for key in path[:-1]:
        cur = cur[key]
    if isinstance(cur, dict):
        del cur[path[-1]]
    else:
        cur.pop(path[-1])


@st.composite
def mutated_specs(draw):
    doc = copy.deepcopy(draw(st.sampled_from(base_specs())))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["set", "set", "delete", "nan", "big"]))
        if action == "delete":
            _delete(doc, path)
        elif action == "nan":
            _set(doc, path, draw(st.sampled_from([math.nan, math.inf, -math.inf])))
        elif action == "big":
            _set(
                doc,
                path,
                draw(st.sampled_from([1e308, -1e308, 2**63, -(2**63), 1e-320, "x" * 5000, [0] * 300])),
            )
        else:
            _set(doc, path, draw(json_trees))
    return doc


@given(json_trees)
@examples(80)
def test_parse_spec_of_any_json_raises_only_spec_error(tree):
    from core.spec.io import parse_spec

    with sandbox():
        for data in (tree, json.dumps(tree)):
            try:
                spec = parse_spec(data)
            except SpecError:
                event("refused")
                continue
            assert _finite(spec.model_dump(mode="json"))


@given(st.binary(max_size=300))
@example(b'{"name": "\xff\xfe"}')
@example("{}".encode("utf-16"))
@examples(60)
def test_parse_spec_of_any_bytes_raises_only_spec_error(data):
    from core.spec.io import parse_spec

    with sandbox(), contextlib.suppress(SpecError):
        parse_spec(data)


@given(mutated_specs())
@examples(100)
def test_mutated_specs_are_refused_or_sound(doc):
    from core.spec.io import dump_spec, parse_spec

    with sandbox():
        for data in (doc, json.dumps(doc)):
            try:
                spec = parse_spec(data)
            except SpecError:
                event("refused")
                continue
            dumped = spec.model_dump(mode="json")
            assert _finite(dumped), "NaN or infinity passed validation"
            assert parse_spec(dump_spec(spec)) == spec


@st.composite
def specs_with_a_non_finite_number(draw):
    doc = copy.deepcopy(draw(st.sampled_from(base_specs())))
    where = draw(st.sampled_from(["position", "rotation", "size", "dimensions", "stats", "material"]))
    bad = draw(st.sampled_from([math.nan, math.inf, -math.inf]))
    part = draw(st.integers(0, len(doc["parts"]) - 1))
    axis = draw(st.integers(0, 2))
    if where in ("position", "rotation", "size"):
        doc["parts"][part][where][axis] = bad
    elif where == "dimensions":
        doc["dimensions"][("width", "height", "depth")[axis]] = bad
    elif where == "stats":
        doc["gameplay"]["stats"]["damage"] = bad
    else:
        doc["materials"][0][
            draw(st.sampled_from(["metallic", "roughness", "emissive_strength", "opacity"]))
        ] = bad
    return doc


@given(specs_with_a_non_finite_number())
@examples(50)
def test_nan_and_infinity_anywhere_in_a_spec_are_refused(doc):
    from core.spec.io import parse_spec

    with sandbox():
        with pytest.raises(SpecError):
            parse_spec(doc)
        with pytest.raises(SpecError):
            parse_spec(json.dumps(doc))  # NaN / Infinity tokens, as Python writes them


@given(st.integers(1, 30_000), st.sampled_from(["[", '{"a":', '{"parts":[']))
@example(10_000, "[")
@example(10_000, '{"a":')
@examples(30)
def test_deeply_nested_spec_text_is_refused_without_recursion_error(depth, opener):
    from core.spec.io import parse_spec

    closer = {"[": "]", '{"a":': "}", '{"parts":[': "]}"}[opener]
    text = opener * depth + "1" + closer * depth
    with sandbox(), contextlib.suppress(SpecError):
        parse_spec(text)


@given(st.integers(1, 5000))
@examples(15)
def test_deeply_nested_spec_dict_is_refused_without_recursion_error(depth):
    from core.spec.io import parse_spec

    doc = copy.deepcopy(base_specs()[0])
    inner: dict = {}
    cur = inner
    for _ in range(depth):
        cur["a"] = {}
        cur = cur["a"]
    doc["gameplay"]["stats"] = inner
    with sandbox(), pytest.raises(SpecError):
        parse_spec(doc)


# --- edit instructions ---------------------------------------------------------------------------
def _spec(i: int):
    from core.spec.io import parse_spec

    return parse_spec(base_specs()[i])


instructions = st.one_of(
    text(60),
    st.lists(
        st.sampled_from(
            [
                "make",
                "it",
                "the",
                "blade",
                "handle",
                "lid",
                "taller",
                "shorter",
                "wider",
                "gold",
                "red",
                "glowing",
                "remove",
                "add",
                "a",
                "two",
                "sphere",
                "wheels",
                "on",
                "top",
                "and",
                ",",
                "50",
                "%",
                "50%",
                "as",
                "tall",
                "twice",
                "half",
                "1000%",
                "-5",
                "0%",
                "1e308",
                "times",
                "x",
                "cm",
            ]
        ),
        max_size=10,
    ).map(" ".join),
    st.tuples(text(10, 1), st.integers(100, 12_000)).map(lambda t: t[0] * t[1]),
)


@given(st.integers(0, 3), instructions)
@example(0, "add two wheels")
@example(0, "make it 50 %")
@example(0, "x" * 100_000)
@examples(120)
def test_any_instruction_gives_a_valid_proposal_or_a_short_spec_error(which, text):
    from core.spec.edits import get_editor
    from core.spec.io import dump_spec, parse_spec

    spec = _spec(which)
    with sandbox():
        try:
            proposal = get_editor("builtin").propose(spec, text)
        except SpecError as e:
            event("refused")
            assert len(str(e)) <= 1000, f"the error echoes the instruction: {len(str(e))} characters"
            return
    assert _finite(proposal.spec.model_dump(mode="json"))
    assert parse_spec(dump_spec(proposal.spec)) == proposal.spec
    assert proposal.patch


COMPARATIVES = {  # word -> (axes, +1 grows / -1 shrinks)
    "taller": ((1,), 1),
    "higher": ((1,), 1),
    "shorter": ((1,), -1),
    "wider": ((0, 2), 1),
    "narrower": ((0, 2), -1),
    "bigger": ((0, 1, 2), 1),
    "larger": ((0, 1, 2), 1),
    "smaller": ((0, 1, 2), -1),
}
PLAIN = {"tall": (1,), "high": (1,), "wide": (0, 2), "big": (0, 1, 2), "large": (0, 1, 2)}
percents = st.one_of(
    st.integers(0, 2000).map(str),
    st.decimals(min_value=0, max_value=1000, places=1, allow_nan=False, allow_infinity=False).map(str),
)


@st.composite
def percent_edits(draw):
    """(instruction, axes, factor): "make it N% taller" -> 1 + N/100, "N% shorter" -> 1 - N/100,
    "N% as tall" -> N/100, "make it N%" -> N/100 on every side."""
    n = draw(percents)
    p = float(n) / 100
    pct = n + draw(st.sampled_from(["%", " %", " percent"]))
    form = draw(st.sampled_from(["comparative", "as", "bare"]))
    if form == "comparative":
        word = draw(st.sampled_from(sorted(COMPARATIVES)))
        axes, sign = COMPARATIVES[word]
        text = draw(st.sampled_from([f"make it {pct} {word}", f"{pct} {word}"]))
        return text, axes, 1 + sign * p
    if form == "as":
        word = draw(st.sampled_from(sorted(PLAIN)))
        return draw(st.sampled_from([f"{pct} as {word}", f"make it {pct} as {word}"])), PLAIN[word], p
    return f"make it {pct}", (0, 1, 2), p


def _dims(spec) -> list[float]:
    return list(spec.dimensions.as_tuple())


@given(st.integers(0, 3), percent_edits())
@example(0, ("make it 50 % taller", (1,), 1.5))
@example(0, ("make it 100% shorter", (1,), 0.0))
@example(0, ("50% as tall", (1,), 0.5))
@example(0, ("10% as tall", (1,), 0.1))
@example(0, ("1000% smaller", (0, 1, 2), -9.0))
@example(0, ("make it 50 %", (0, 1, 2), 0.5))
@examples(120)
def test_percentages_mean_what_they_say(which, edit):
    from core.spec.edits import get_editor
    from core.spec.model import MAX_DIMENSION_M, MIN_DIMENSION_M

    text, axes, factor = edit
    spec = _spec(which)
    old = _dims(spec)
    want = [d * (factor if k in axes else 1.0) for k, d in enumerate(old)]
    with sandbox():
        try:
            proposal = get_editor("builtin").propose(spec, text)
        except SpecError as e:
            event("refused")
            impossible = factor <= 0
            unchanged = abs(factor - 1) < 1e-9
            out_of_range = any(
                v < MIN_DIMENSION_M * 1.5 or v > MAX_DIMENSION_M * 0.98
                for k, v in enumerate(want)
                if k in axes
            )
            assert impossible or unchanged or out_of_range, f'"{text}" refused: {e}'
            return
    assert factor > 0, (
        f'"{text}" asks for a size of zero or less, yet it was accepted: {_dims(proposal.spec)}'
    )
    got = _dims(proposal.spec)
    for k in range(3):
        assert got[k] == pytest.approx(want[k], rel=2e-3, abs=2e-5), (
            f'"{text}": {("width", "height", "depth")[k]} x{got[k] / old[k]:.4g}, expected x{want[k] / old[k]:.4g}'
        )


NUMBER_WORDS = {
    1: ["a", "one"],
    2: ["two", "a pair of"],
    3: ["three"],
    4: ["four"],
    5: ["five"],
    6: ["six"],
    10: ["ten"],
    12: ["twelve", "a dozen"],
}
NOUNS = {
    "sphere": "spheres",
    "box": "boxes",
    "cylinder": "cylinders",
    "cone": "cones",
    "wheel": "wheels",
    "leg": "legs",
    "spike": "spikes",
}


@st.composite
def count_edits(draw):
    n = draw(st.sampled_from([1, 2, 3, 4, 5, 6, 7, 10, 12, 20, 64, 65, 300]))
    words = [*NUMBER_WORDS.get(n, []), str(n)]
    number = draw(st.sampled_from(words))
    noun = draw(st.sampled_from(sorted(NOUNS)))
    return f"add {number} {noun if n == 1 else NOUNS[noun]}", n


@given(st.integers(0, 3), count_edits())
@example(0, ("add two wheels", 2))
@example(1, ("add 3 spheres", 3))
@examples(60)
def test_counts_mean_what_they_say(which, edit):
    from core.spec.edits import get_editor
    from core.spec.model import MAX_PARTS

    text, n = edit
    spec = _spec(which)
    with sandbox():
        try:
            proposal = get_editor("builtin").propose(spec, text)
        except SpecError as e:
            event("refused")
            assert len(spec.parts) + n > MAX_PARTS or n > 64, f'"{text}" refused: {e}'
            assert "no part called" not in str(e), f'"{text}" misread: {e}'
            return
    assert len(proposal.spec.parts) == len(spec.parts) + n, (
        f'"{text}" added {len(proposal.spec.parts) - len(spec.parts)}'
    )


# --- checkpoints ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def finished_job(tmp_path_factory):
    """One job run to the end (procedural, STL) in a store of its own, plus a second asset
    (the one a forged ``asset_id`` would overwrite); examples copy the store."""
    from core.config import Settings, use_settings
    from core.jobs.pipeline import Job, run_to_completion
    from core.jobs.request import JobRequest

    root = tmp_path_factory.mktemp("prop-store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_SECRETS_FILE", str(root / "none.toml"))
        settings = Settings(asset_dir=root / "assets", cache_dir=root / "cache", generator_fallbacks=[])
        with use_settings(settings):
            job = Job.create(JobRequest("wooden chest", formats=["stl"]), asset_dir=root / "assets")
            other = Job.create(JobRequest("barrel", formats=["stl"]), asset_dir=root / "assets")
            for j in (job, other):
                assert run_to_completion(j).status == "done"
    return SimpleNamespace(
        assets=root / "assets",
        job=job.job_id,
        asset=job.cp.asset_id,
        other=other.cp.asset_id,
        other_job=other.job_id,
    )


def _copy_store(job, out: Path) -> Path:
    shutil.copytree(job.assets, out, dirs_exist_ok=True, symlinks=True)
    return out / ".jobs" / job.job


nasty_paths = st.one_of(
    st.sampled_from(
        [
            "../../x",
            "/etc/hostname",
            "exports/../../x",
            "./../x",
            "..",
            ".",
            "",
            "a//b",
            "exports/",
            "..\\..\\x",
            "~/.ssh/id_rsa",
            "%2e%2e/x",
            "spec.json/..",
            "x\x00y",
            "exports/../spec.json",
            "/",
            "../",
            "exports/model.stl/../../../x",
        ]
    ),
    st.builds(
        lambda n, tail: "../" * n + tail,
        st.integers(1, 12),
        st.sampled_from(["etc/hostname", "outside/secret.txt", "x"]),
    ),
    st.text(st.sampled_from(list("./ab\\~")), max_size=12),
    st.just("<SECRET>"),  # relative path from the job folder to the sandbox's secret file
    st.just("<ABS-SECRET>"),
)


@st.composite
def checkpoint_mutations(draw):
    """A list of (kind, args) edits of a finished job's checkpoint.json."""
    kinds = draw(
        st.lists(
            st.sampled_from(
                [
                    "set",
                    "delete",
                    "nan",
                    "path",
                    "output",
                    "asset_id",
                    "job_id",
                    "reference",
                    "reopen",
                    "symlink",
                ]
            ),
            min_size=1,
            max_size=3,
        )
    )
    muts = []
    for kind in kinds:
        if kind in ("set", "delete", "nan"):
            muts.append((kind, draw(st.integers(0, 10_000)), draw(json_trees) if kind == "set" else None))
        elif kind in ("path", "output", "reference"):
            muts.append(
                (kind, draw(nasty_paths), draw(st.sampled_from(["spec", "process", "export", "store"])))
            )
        elif kind == "asset_id":
            muts.append(
                (kind, draw(st.sampled_from(["<OTHER>", "../../escaped", "", "A" * 200, "x/y"])), None)
            )
        elif kind == "job_id":
            muts.append((kind, draw(st.sampled_from(["<OTHERJOB>", "../x", "", "ffffffffffff"])), None))
        else:
            muts.append((kind, draw(st.sampled_from(["generate", "export", "store"])), None))
    return muts


def _resolve(token: str, box, folder: Path) -> str:
    if token == "<SECRET>":
        return os.path.relpath(box.secret, folder)
    if token == "<ABS-SECRET>":
        return str(box.secret)
    return token


def _apply(cp: dict, muts, box, folder: Path, job) -> dict:
    for kind, arg, extra in muts:
        if kind in ("set", "delete", "nan"):
            paths = _paths(cp)
            if not paths:
                continue
            path = paths[arg % len(paths)]
            if kind == "delete":
                _delete(cp, path)
            else:
                _set(cp, path, math.nan if kind == "nan" else extra)
            continue
        steps = cp.get("steps") if isinstance(cp.get("steps"), dict) else None
        if kind == "asset_id":
            cp["asset_id"] = job.other if arg == "<OTHER>" else arg
            kind, arg = "reopen", "store"
        elif kind == "job_id":
            cp["job_id"] = job.other_job if arg == "<OTHERJOB>" else arg
        elif kind == "reference":
            if isinstance(cp.get("inputs"), dict):
                cp["inputs"]["reference_image"] = _resolve(arg, box, folder)
            kind, arg = "reopen", "store"
        elif kind in ("path", "output") and steps and isinstance(steps.get(extra), dict):
            rel = _resolve(arg, box, folder)
            target = box.secret if kind == "output" else Path(folder, rel)
            data = target.read_bytes() if target.is_file() else b""
            outputs = steps[extra].setdefault("outputs", {})
            if isinstance(outputs, dict):
                outputs[rel] = {"path": rel, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            kind, arg = "reopen", "store"
        elif kind == "symlink" and steps:
            # replace the exported model by a symlink to the secret and forge its sha256
            export = steps.get("export")
            export = export.get("outputs") if isinstance(export, dict) else None
            for rel in list(export) if isinstance(export, dict) else []:
                p = folder / rel
                if p.is_file() and not p.is_symlink():
                    p.unlink()
                    p.symlink_to(box.secret)
                    data = box.secret.read_bytes()
                    export[rel] = {"path": rel, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                    break
            kind, arg = "reopen", "store"
        if kind == "reopen" and isinstance(cp.get("steps"), dict):
            names = ["spec", "generate", "process", "export", "thumbnail", "store"]
            for s in names[names.index(arg) :]:
                if isinstance(cp["steps"].get(s), dict):
                    cp["steps"][s]["status"] = "pending"
            cp["status"] = "interrupted"
    return cp


def _check_loaded(cp, folder: Path, job) -> None:
    """What a checkpoint that loads must satisfy: its paths stay in its folder, its ids are
    its own."""
    from core.storage.keys import asset_id_for

    rels = [o.path for st_ in cp.steps.values() for o in st_.outputs.values()]
    rels += [k for st_ in cp.steps.values() for k in st_.outputs]
    if cp.inputs.reference_image:
        rels.append(cp.inputs.reference_image)
    for rel in rels:
        assert not os.path.isabs(rel) and ".." not in Path(rel).parts, f"unsafe path accepted: {rel!r}"
        # lexically inside (a symlink on disk is checked where the file is used: see the resume test)
        inside = Path(os.path.normpath(folder / rel)).is_relative_to(folder)
        assert inside and rel.strip("/."), f"path leads outside the job folder: {rel!r}"
    assert cp.job_id == folder.name, f"job_id {cp.job_id!r} in the folder of job {folder.name}"
    assert cp.asset_id == asset_id_for(cp.inputs.description, cp.job_id), f"asset_id {cp.asset_id!r} accepted"


@given(checkpoint_mutations())
@example([("output", "../../../../../../../../../../etc/hostname", "export")])
@example([("path", "/etc/hostname", "export")])
@example([("asset_id", "<OTHER>", None)])
@example([("delete", 0, None)])
@examples(60)
def test_mutated_checkpoints_load_safely_or_raise_checkpoint_errors(finished_job, muts):
    from core.jobs.checkpoint import Checkpoint
    from core.jobs.pipeline import Job, list_jobs

    with sandbox() as box:
        folder = _copy_store(finished_job, box.out)
        path = folder / "checkpoint.json"
        cp = _apply(json.loads(path.read_text()), muts, box, folder, finished_job)
        path.write_text(json.dumps(cp))
        try:
            loaded = Checkpoint.load(folder)
        except CheckpointError:
            event("refused")
            loaded = None
        if loaded is not None:
            _check_loaded(loaded, folder, finished_job)
        try:
            job = Job.open(finished_job.job, box.out)
        except WorkbenchError:
            job = None
        assert (job is None) == (loaded is None)
        jobs = list_jobs(box.out)  # never fails for one bad checkpoint
        assert {c.job_id for c in jobs} >= {finished_job.other_job}
        for c in jobs:
            _check_loaded(c, box.out / ".jobs" / c.job_id, finished_job)


raw_checkpoints = st.one_of(
    st.binary(max_size=300),
    st.integers(1, 30_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 30_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    json_trees.map(lambda t: json.dumps(t).encode()),
    st.just(b"\xff\xfe{}"),
    st.just("{}".encode("utf-16")),
)


@given(raw_checkpoints)
@example(b"[" * 10_000 + b"]" * 10_000)
@example(b"[]")
@examples(60)
def test_garbage_checkpoints_raise_checkpoint_errors_and_never_break_list(finished_job, data):
    from core.jobs.checkpoint import Checkpoint
    from core.jobs.pipeline import Job, list_jobs

    with sandbox() as box:
        folder = _copy_store(finished_job, box.out)
        (folder / "checkpoint.json").write_bytes(data)
        with pytest.raises(CheckpointError):
            Checkpoint.load(folder)
        with pytest.raises(WorkbenchError):
            Job.open(finished_job.job, box.out)
        assert [c.job_id for c in list_jobs(box.out)] == [finished_job.other_job]


@given(
    checkpoint_mutations().filter(
        lambda m: any(k in ("output", "path", "reference", "symlink", "asset_id") for k, _, _ in m)
    )
)
@example([("output", "<SECRET>", "export")])
@example([("output", "../../../../../../../../../../etc/hostname", "export")])
@example([("reference", "<SECRET>", None)])
@example([("symlink", "store", None)])
@example([("asset_id", "<OTHER>", None)])
@examples(40)
def test_resuming_a_forged_checkpoint_publishes_nothing_from_outside_the_job(finished_job, muts):
    from core.jobs.pipeline import Job, run_to_completion

    with sandbox() as box:
        folder = _copy_store(finished_job, box.out)
        path = folder / "checkpoint.json"
        path.write_text(json.dumps(_apply(json.loads(path.read_text()), muts, box, folder, finished_job)))
        other_meta = (box.out / finished_job.other / "metadata.json").read_bytes()
        secret = box.secret.read_bytes()
        hostname = Path("/etc/hostname").read_bytes() if Path("/etc/hostname").is_file() else None
        with contextlib.suppress(WorkbenchError):
            run_to_completion(Job.open(finished_job.job, box.out))
        assert (box.out / finished_job.other / "metadata.json").read_bytes() == other_meta, (
            "another asset was replaced"
        )
        for f in box.out.rglob("*"):
            if f.is_file() and ".jobs" not in f.parts:
                data = f.read_bytes()
                assert data != secret, f"{f.relative_to(box.out)} is a copy of a file outside the job folder"
                assert hostname is None or data != hostname, (
                    f"{f.relative_to(box.out)} is a copy of /etc/hostname"
                )


# --- point clouds --------------------------------------------------------------------------------
@st.composite
def point_clouds(draw):
    """(points, colors): mostly plausible shapes at odd scales, some junk."""
    kind = draw(st.sampled_from(["sphere", "box", "random", "clusters", "flat", "junk"]))
    n = draw(st.integers(0, 300))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "junk":
        shape = draw(st.sampled_from([(n, 3), (n, 2), (n,), (n, 3, 1), (0, 3), (n, 4)]))
        pts = rng.normal(size=shape) * 10 ** draw(st.floats(-300, 300))
    elif kind == "sphere":
        v = rng.normal(size=(n, 3))
        pts = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    elif kind == "box":
        pts = rng.uniform(-0.5, 0.5, (n, 3))
        if n:
            k = rng.integers(0, 3, n)
            pts[np.arange(n), k] = rng.choice([-0.5, 0.5], n)
    elif kind == "clusters":
        pts = np.vstack(
            [
                rng.normal(size=(n // 2, 3)),
                rng.normal(size=(n - n // 2, 3)) + np.array([10 ** draw(st.floats(0, 7)), 0.0, 0.0]),
            ]
        )
    elif kind == "flat":
        pts = np.c_[
            rng.uniform(size=n),
            rng.uniform(size=n) * draw(st.sampled_from([0.0, 1e-9, 1e-3])),
            rng.uniform(size=n),
        ]
    else:
        pts = rng.uniform(-1, 1, (n, 3))
    if kind != "junk" and pts.size:
        pts = pts * (10 ** np.array(draw(st.lists(st.floats(-4, 0), min_size=3, max_size=3))))  # anisotropy
        pts = pts * 10 ** draw(st.floats(-8, 8)) + draw(st.sampled_from([0.0, 1.0, 1e3, 1e6, -1e9]))
        if draw(st.booleans()) and len(pts):
            pts[draw(st.integers(0, len(pts) - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf, 1e300]))
    colors = None
    if draw(st.booleans()):
        m = len(pts) if draw(st.booleans()) else max(0, len(pts) - 1)
        colors = draw(
            st.sampled_from(
                [
                    lambda: rng.integers(0, 256, (m, 3)).astype(np.uint8),
                    lambda: rng.uniform(0, 1, (m, 3)),
                    lambda: rng.uniform(-5, 999, (m, 4)),
                    lambda: np.full((m, 3), np.nan),
                    lambda: rng.integers(0, 9, (m, 2)),
                ]
            )
        )()
    return np.asarray(pts), colors


@st.composite
def plausible_clouds(draw):
    """(points, colors) sampled on a sphere, box or ellipsoid surface at 1 cm to 1 km, a
    little noise, valid colours or none: clouds that should mostly reconstruct."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(150, 700))
    kind = draw(st.sampled_from(["sphere", "box", "two spheres"]))
    v = rng.normal(size=(n, 3))
    pts = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12) * 0.5
    if kind == "box":
        pts = rng.uniform(-0.5, 0.5, (n, 3))
        pts[np.arange(n), rng.integers(0, 3, n)] = rng.choice([-0.5, 0.5], n)
    elif kind == "two spheres":
        pts[: n // 2, 0] += draw(st.floats(0.8, 3.0))
    pts = pts * (10 ** np.array(draw(st.lists(st.floats(-0.7, 0), min_size=3, max_size=3))))
    pts = pts + rng.normal(scale=draw(st.sampled_from([0.0, 1e-3, 1e-2])), size=pts.shape)
    pts = pts * 10 ** draw(st.floats(-2, 3)) + np.array(
        draw(st.lists(st.floats(-5, 5), min_size=3, max_size=3))
    )
    colors = draw(st.sampled_from([None, "u8", "float"]))
    if colors == "u8":
        colors = rng.integers(0, 256, (n, 3)).astype(np.uint8)
    elif colors == "float":
        colors = rng.uniform(0, 1, (n, 3))
    return pts, colors


@given(st.one_of(point_clouds(), plausible_clouds()))
@examples(100)
def test_check_point_cloud_raises_only_conversion_errors(cloud):
    from core.mesh.reconstruct import MIN_POINTS, check_point_cloud

    points, colors = cloud
    with sandbox():
        try:
            checked, _ = check_point_cloud(points, colors)
        except ConversionError:
            event("refused")
            return
    assert checked.points.ndim == 2 and checked.points.shape[1] == 3 and len(checked.points) >= MIN_POINTS
    assert np.isfinite(checked.points).all()
    if checked.colors is not None:
        assert checked.colors.shape == (len(checked.points), 3) and checked.colors.dtype == np.uint8


@given(st.one_of(plausible_clouds(), plausible_clouds(), point_clouds()))
@example(
    (
        np.array(
            [(x, y, z) for x in (-0.5, 0.5) for y in (0.0, 1.0) for z in (-0.5, 0.5)]
            + [(0, 0.5, 0.5), (0.5, 0.5, 0)]
        ),
        None,
    )
)
@examples(25)
def test_reconstruct_raises_only_conversion_errors_and_keeps_the_clouds_size(cloud):
    from core.mesh.reconstruct import reconstruct

    points, colors = cloud
    with sandbox():
        try:
            mesh = reconstruct(points, colors)
        except ConversionError:
            event("refused")
            return
    pts = np.asarray(points, np.float64)
    lo, hi = pts.min(0), pts.max(0)
    margin = 0.1 * (hi - lo).max()
    for g in mesh.geometries:
        assert np.isfinite(g.vertices).all()
        assert (g.bounds[0] >= lo - margin).all() and (g.bounds[1] <= hi + margin).all(), (
            f"mesh {np.ptp(g.vertices, axis=0)} m for a cloud of {hi - lo} m ({len(pts)} points)"
        )
        assert len(g.faces) <= 200_000, f"{len(g.faces)} faces for {len(pts)} points"
