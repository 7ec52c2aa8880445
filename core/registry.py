"""Lazy registries: generators, spec writers and editors, job runners, stores and export
formats, each picked by name.

Entries are ``"module:attribute"`` strings imported on first use (after fsspec's registry,
https://filesystem-spec.readthedocs.io/en/latest/api.html#fsspec.registry), so a missing
optional dependency never breaks ``import core``: it fails when the entry is used, with the
install hint. ``LazyRegistry[T]`` is typed by what every entry is (a Protocol or a base
class, e.g. ``LazyRegistry[type[Generator]]``), and each registry raises its own
:class:`~core.errors.UnknownNameError` subclass for a name it does not know. The contract
tests (``tests/test_registry_contracts.py``) run over ``names()``: registering an entry is
what puts it under test.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from core.errors import BackendUnavailable, UnknownBackendError, UnknownNameError, clip

T = TypeVar("T")

DEFAULT_INSTALL_HINT = "Install the project's requirements: pip install -r requirements.txt."


@dataclass(frozen=True)
class Entry:
    """One registered name: ``target`` is ``"package.module:Attribute"``; ``install_hint``
    says what to install when the module cannot be imported."""

    target: str
    install_hint: str = ""


class LazyRegistry(Generic[T]):
    """Name -> lazily imported object of type ``T``.

    Parameters
    ----------
    kind : str
        What the entries are, in error messages ("generator", "export format").
    entries : dict
        name -> :class:`Entry`; kept sorted by name.
    unknown_error : type
        The :class:`~core.errors.UnknownNameError` subclass raised for unregistered names
        (default :class:`~core.errors.UnknownBackendError`).
    """

    def __init__(
        self,
        kind: str,
        entries: dict[str, Entry],
        *,
        unknown_error: type[UnknownNameError] = UnknownBackendError,
    ) -> None:
        self.kind = kind
        self.unknown_error = unknown_error
        self._entries = dict(sorted(entries.items()))
        self._loaded: dict[str, Any] = {}

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def unknown(self, name: str) -> UnknownNameError:
        """The error for ``name`` not being registered (the message lists the known names)."""
        return self.unknown_error(
            f"Unknown {self.kind} '{clip(name)}'.", f"Known: {', '.join(self._entries)}."
        )

    def entry(self, name: str) -> Entry:
        """The :class:`Entry` of ``name`` without importing it; raises :meth:`unknown`'s error."""
        if name not in self._entries:
            raise self.unknown(name)
        return self._entries[name]

    def get(self, name: str) -> T:
        """The object registered as ``name``.

        Raises
        ------
        UnknownNameError
            ``name`` is not registered (this registry's ``unknown_error``; the message lists
            the known names).
        BackendUnavailable
            Its module cannot be imported (the hint says what to install).
        """
        entry = self.entry(name)
        if name not in self._loaded:
            module, _, attr = entry.target.partition(":")
            try:
                self._loaded[name] = getattr(importlib.import_module(module), attr)
            except ImportError as e:
                raise BackendUnavailable(
                    f"The {self.kind} '{name}' needs a package that is not installed ({e.name}).",
                    entry.install_hint or DEFAULT_INSTALL_HINT,
                ) from e
        return cast(T, self._loaded[name])
