"""The template library: load, validate and index the TOML files of templates.

Files: every ``*.toml`` under ``core/spec/templates/`` (one per family), then every ``*.toml``
in each folder of the ``TEMPLATE_DIRS`` setting, in order; a later template with the same name
replaces an earlier one (a studio overrides ``sword`` by writing its own). Each file holds
``[[template]]`` tables validated by :class:`~core.spec.template_model.Template`.

Why TOML: it is in the standard library (``tomllib``, no dependency and fast), it allows
comments, and it has no implicit typing (YAML reads ``no`` as false and ``1e3`` as a string);
JSON has no comments, which template authors need.

A bad file or template is reported (:attr:`Library.problems`, each naming the file, the
template and the field) and skipped; the rest of the library still loads, so the app starts.
The library is cached per process and reloaded when a file's modification time changes.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
import threading
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from core.spec.expr import ExprError
from core.spec.template_model import CompiledTemplate, Template

if TYPE_CHECKING:
    from core.config import Settings

BUILTIN_DIR = Path(__file__).with_name("templates")
MAX_FILE_BYTES = 2_000_000
MAX_NOUN_WORDS = 4
IRREGULAR = {
    "feet": "foot",
    "teeth": "tooth",
    "mice": "mouse",
    "geese": "goose",
    "men": "man",
    "women": "woman",
    "children": "child",
    "people": "person",
    "knives": "knife",
    "leaves": "leaf",
    "loaves": "loaf",
    "wolves": "wolf",
    "shelves": "shelf",
    "scarves": "scarf",
    "staves": "staff",
    "elves": "elf",
    "dwarves": "dwarf",
    "halves": "half",
    "hooves": "hoof",
    "calves": "calf",
    "thieves": "thief",
    "cacti": "cactus",
    "fungi": "fungus",
    "octopi": "octopus",
    "dice": "die",
    "oxen": "ox",
    "lice": "louse",
    "wives": "wife",
    "lives": "life",
    "sheaves": "sheaf",
    "antennae": "antenna",
}


def singulars(word: str) -> list[str]:
    """Candidate singular forms of an English noun, most likely first ("boxes" -> box, boxe)."""
    if word in IRREGULAR:
        return [IRREGULAR[word]]
    out = []
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 3:
        out.append(word[:-2])
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 2:
        out.append(word[:-1])
    return out


@dataclass
class Problem:
    """One rejected file or template: where, and why."""

    file: str
    template: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: template '{self.template}'" if self.template else self.file
        return f"{where}: {self.message}"


@dataclass
class Library:
    """All loaded templates, and the noun index the parser uses.

    Attributes
    ----------
    templates : dict[str, CompiledTemplate]
        By name, sorted.
    nouns : dict[tuple[str, ...], list[str]]
        Noun phrase (lower-case words, as written and with the last word singular) -> names of
        the templates that list it.
    problems : list[Problem]
        Files and templates that were skipped, with the reason.
    """

    templates: dict[str, CompiledTemplate] = field(default_factory=dict)
    nouns: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def __contains__(self, name: str) -> bool:
        return name in self.templates

    def get(self, name: str) -> CompiledTemplate:
        """The template called ``name``.

        Raises
        ------
        SpecError
            Unknown name; the message lists close names.
        """
        from core.errors import SpecError

        try:
            return self.templates[name]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(name, self.templates, n=5, cutoff=0.5)
            hint = (
                f"Did you mean {', '.join(close)}?" if close else "List them with: python -m core templates"
            )
            raise SpecError(f"No template named '{name[:40]}'.", hint) from None

    def lookup(self, words: tuple[str, ...]) -> list[str]:
        """Templates naming the noun phrase ``words`` as written, else with its last word singular."""
        hit = self.nouns.get(words)
        if hit:
            return hit
        for s in singulars(words[-1]):
            hit = self.nouns.get((*words[:-1], s))
            if hit:
                return hit
        return []

    def single_nouns(self) -> list[str]:
        """One-word nouns, for spelling matches; built once per library (~9,000 keys)."""
        cached = self.__dict__.get("_single_nouns")
        if cached is None:
            cached = self.__dict__["_single_nouns"] = [k[0] for k in self.nouns if len(k) == 1]
        return cached

    def noun_count(self) -> int:
        return len({k for k in self.nouns if not k[-1].endswith("s") or k[-1].endswith(("ss", "us"))})

    def search(self, query: str, limit: int = 20) -> list[CompiledTemplate]:
        """Templates whose name, nouns, family or summary contain every word of ``query``."""
        words = query.lower().split()
        out = []
        for t in self.templates.values():
            hay = " ".join([t.name.replace("_", " "), t.family, t.tpl.summary.lower(), *t.tpl.nouns])
            if all(w in hay for w in words):
                out.append(t)
        return out[:limit]


def _files(dirs: Iterable[Path]) -> list[Path]:
    out = []
    for d in dirs:
        if d.is_file() and d.suffix == ".toml":
            out.append(d)
        elif d.is_dir():
            out.extend(sorted(p for p in d.glob("*.toml") if p.is_file()))
    return out


def _loc(loc: tuple) -> str:
    return ".".join(str(x) for x in loc) or "(template)"


def load_file(path: Path, problems: list[Problem]) -> list[CompiledTemplate]:
    """Valid templates of one file; every rejection is appended to ``problems``."""
    shown = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(Problem(shown, None, f"larger than {MAX_FILE_BYTES // 1_000_000} MB; skipped"))
            return []
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        problems.append(Problem(shown, None, f"cannot be read ({type(e).__name__}); skipped"))
        return []
    except tomllib.TOMLDecodeError as e:
        problems.append(Problem(shown, None, f"is not valid TOML: {e}"))
        return []
    entries = data.get("template")
    extra = sorted(set(data) - {"template"})
    if extra:
        problems.append(Problem(shown, None, f"unknown top-level keys {extra}; only [[template]] tables"))
    if not isinstance(entries, list):
        problems.append(Problem(shown, None, "has no [[template]] tables"))
        return []
    out = []
    for i, entry in enumerate(entries):
        label = (
            entry.get("name")
            if isinstance(entry, dict) and isinstance(entry.get("name"), str)
            else f"#{i + 1}"
        )
        try:
            tpl = Template.model_validate(entry)
            out.append(CompiledTemplate(tpl, shown))
        except ValidationError as e:
            for err in e.errors()[:5]:
                problems.append(Problem(shown, label[:40], f"field {_loc(err['loc'])}: {err['msg']}"))
        except ExprError as e:
            problems.append(Problem(shown, label[:40], f"field {e}"))
    return out


def build(dirs: Iterable[Path]) -> Library:
    """Load ``dirs`` in order (later names override earlier ones) and index the nouns."""
    lib = Library()
    for path in _files(dirs):
        lib.sources.append(str(path))
        for t in load_file(path, lib.problems):
            old = lib.templates.get(t.name)
            if old is not None and Path(old.source).parent == path.parent:
                lib.problems.append(
                    Problem(str(path), t.name, f"also defined in {Path(old.source).name}; this one is used")
                )
            lib.templates[t.name] = t
    lib.templates = dict(sorted(lib.templates.items()))
    for t in lib.templates.values():
        for noun in (*t.tpl.nouns, t.name.replace("_", " ")):
            key = tuple(noun.replace("-", " ").split()) if " " in noun else (noun,)
            if len(key) > MAX_NOUN_WORDS:
                continue
            names = lib.nouns.setdefault(key, [])
            if t.name not in names:
                names.append(t.name)
    return lib


def template_dirs(settings: Settings | None) -> list[Path]:
    """The built-in folder, then ``TEMPLATE_DIRS``: from ``settings``, or read from the
    environment when there are none (settings that cannot be read still leave a library)."""
    if settings is not None:
        extra = list(settings.template_dirs)
    else:
        raw = os.environ.get("TEMPLATE_DIRS", "")
        extra = [Path(p) for p in raw.split(os.pathsep) if p.strip()]
    return [BUILTIN_DIR, *extra]


def _stamp(dirs: list[Path]) -> tuple:
    out = []
    for p in _files(dirs):
        try:
            out.append((str(p), p.stat().st_mtime_ns))
        except OSError:
            continue
    return tuple(out)


_CODE = [Path(__file__), Path(__file__).with_name("template_model.py"), Path(__file__).with_name("expr.py")]


def _disk_cache_path(dirs: tuple[Path, ...], stamp: tuple, cache_dir: Path | None) -> Path | None:
    """Where the pickle of the library of ``dirs`` goes under ``cache_dir/templates``; None
    without a cache folder."""
    if cache_dir is None:
        return None
    folder = Path(cache_dir) / "templates"
    code = tuple((str(p), p.stat().st_mtime_ns) for p in _CODE)
    key = hashlib.sha256(
        repr((sys.version_info[:2], code, [str(d) for d in dirs], stamp)).encode()
    ).hexdigest()
    return folder / f"library-{key[:24]}.pickle"


_LOADED: dict[tuple, Library] = {}  # (dirs, stamp) -> library, the 4 used last
_LOADED_LOCK = threading.Lock()


def _cached(dirs: tuple[Path, ...], stamp: tuple, cache_dir: Path | None) -> Library:
    """Built once per process (per folders and modification times, whatever ``cache_dir``);
    across processes from a pickle in ``cache_dir/templates`` (:func:`_load`)."""
    key = (dirs, stamp)
    with _LOADED_LOCK:
        lib = _LOADED.pop(key, None)
        if lib is not None:
            _LOADED[key] = lib  # most recently used last
            return lib
    lib = _load(dirs, stamp, cache_dir)
    with _LOADED_LOCK:
        _LOADED[key] = lib
        while len(_LOADED) > 4:
            del _LOADED[next(iter(_LOADED))]
    return lib


def _load(dirs: tuple[Path, ...], stamp: tuple, cache_dir: Path | None) -> Library:
    """The library from its pickle in ``cache_dir/templates`` when there is one, keyed by
    the files' paths and modification times and the loader's own code (a cold load parses
    about 450 templates in ~1 s; the pickle loads in a fraction of that), else built and
    pickled. The pickle is written atomically and only ever read from the workbench's own
    cache folder."""
    path = _disk_cache_path(dirs, stamp, cache_dir)
    if path is not None and path.is_file():
        try:
            data = path.read_bytes()
            gc.disable()  # ~60,000 small objects: the cyclic GC would more than double the load
            try:
                lib = pickle.loads(data)
                gc.freeze()  # long-lived: keep later collections from walking them again
            finally:
                gc.enable()
            if isinstance(lib, Library):
                return lib
        except Exception:
            pass
    lib = build(dirs)
    if path is not None:
        try:
            from core.fsutil import atomic_write_bytes

            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.glob("library-*.pickle"):
                old.unlink(missing_ok=True)
            atomic_write_bytes(path, pickle.dumps(lib, protocol=pickle.HIGHEST_PROTOCOL))
        except (OSError, pickle.PicklingError):
            pass
    return lib


def get_library(dirs: list[Path] | None = None, settings: Settings | None = None) -> Library:
    """The library for ``dirs`` (default :func:`template_dirs` of ``settings``), cached until a
    file changes; pickled under ``settings.cache_dir``. ``settings`` default to the settings in
    force; when those cannot be read, ``TEMPLATE_DIRS`` comes from the environment and nothing
    is pickled."""
    if settings is None:
        settings = _settings_in_force()
    dirs = template_dirs(settings) if dirs is None else list(dirs)
    cache_dir = None if settings is None else Path(settings.cache_dir)
    return _cached(tuple(dirs), _stamp(dirs), cache_dir)


def _settings_in_force() -> Settings | None:
    """:func:`~core.config.get_settings`, or None when they cannot be read (a bad value in the
    environment must not stop the library from loading)."""
    try:
        from core.config import get_settings

        return get_settings()
    except Exception:
        return None
