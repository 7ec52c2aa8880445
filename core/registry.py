"""Lazy registries: backends, spec writers and export formats, picked by name.

Entries are ``"module:attribute"`` strings imported on first use (after fsspec's registry), so
a missing optional dependency never breaks ``import core``: it fails when the entry is used,
with the install hint.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from core.errors import BackendUnavailable, UnknownBackendError

T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    target: str  # "package.module:Attribute"
    install_hint: str = ""


class LazyRegistry(Generic[T]):
    """Name -> lazily imported object; ``kind`` names the registry in error messages."""

    def __init__(self, kind: str, entries: dict[str, Entry]) -> None:
        self.kind = kind
        self._entries = dict(sorted(entries.items()))
        self._loaded: dict[str, Any] = {}

    def names(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def get(self, name: str) -> T:
        """The object registered as ``name``.

        Raises
        ------
        UnknownBackendError
            ``name`` is not registered (the message lists the known names).
        BackendUnavailable
            Its module cannot be imported (the message gives the install hint).
        """
        if name not in self._entries:
            raise UnknownBackendError(f"Unknown {self.kind} '{name}'.", f"Known: {', '.join(self._entries)}.")
        if name not in self._loaded:
            entry = self._entries[name]
            module, _, attr = entry.target.partition(":")
            try:
                self._loaded[name] = getattr(importlib.import_module(module), attr)
            except ImportError as e:
                raise BackendUnavailable(
                    f"The {self.kind} '{name}' needs a package that is not installed ({e.name}).",
                    entry.install_hint or None,
                ) from e
        return self._loaded[name]
