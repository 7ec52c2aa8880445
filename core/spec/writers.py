"""Spec writers by name: ``builtin`` (offline template library) and ``litellm`` (any LLM).

A spec writer turns a description into a complete :class:`~core.spec.model.AssetSpec`;
every registered writer has the shape of :class:`SpecWriter`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from core.errors import UnknownBackendError
from core.registry import Entry, LazyRegistry

if TYPE_CHECKING:
    from core.spec.builtin import WriteResult
    from core.types import Availability


@runtime_checkable
class SpecWriter(Protocol):
    """What every spec writer exposes.

    ``name`` is its registry name and ``label`` what the UI shows; ``availability()`` (a
    classmethod) says whether it can run here and, when not, why. The constructor takes
    keyword arguments only (``get_writer(name, **kwargs)``).
    """

    name: ClassVar[str]
    label: ClassVar[str]

    @classmethod
    def availability(cls) -> Availability: ...

    def write(
        self,
        description: str,
        style: str | None = None,
        *,
        seed: int = 0,
        template: str | None = None,
        family: str | None = None,
    ) -> WriteResult:
        """A :class:`~core.spec.builtin.WriteResult` (the spec, the writer's name, warnings,
        the model used, candidates) for ``description``.

        Raises ``SpecError`` (bad description) or ``LLMError`` (no model produced a valid spec).
        """
        ...


WRITERS: LazyRegistry[type[SpecWriter]] = LazyRegistry(
    "spec writer",
    {
        "builtin": Entry("core.spec.builtin:BuiltinSpecWriter"),
        "litellm": Entry("core.spec.llm:LiteLLMSpecWriter", "pip install litellm"),
    },
    unknown_error=UnknownBackendError,
)


def get_writer(name: str, **kwargs) -> SpecWriter:
    """An instance of the spec writer ``name`` (``kwargs`` go to its constructor).

    Raises ``UnknownBackendError`` (unknown name) or ``BackendUnavailable`` (not installed).
    """
    return WRITERS.get(name)(**kwargs)
