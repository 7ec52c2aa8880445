"""Spec writers by name: ``builtin`` (offline archetypes) and ``litellm`` (any LLM)."""

from __future__ import annotations

from core.registry import Entry, LazyRegistry

WRITERS: LazyRegistry = LazyRegistry(
    "spec writer",
    {
        "builtin": Entry("core.spec.builtin:BuiltinSpecWriter"),
        "litellm": Entry("core.spec.llm:LiteLLMSpecWriter", "pip install litellm"),
    },
)


def get_writer(name: str, **kwargs):
    """An instance of the spec writer ``name`` (``kwargs`` go to its constructor)."""
    return WRITERS.get(name)(**kwargs)
