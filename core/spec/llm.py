"""The ``litellm`` spec writer: any LiteLLM model (OpenAI, Anthropic, Ollama, ...) writes the spec.

Flow: render ``prompts/spec_system.j2`` + ``spec_user.j2`` (Jinja2, StrictUndefined) with the
description, style and the spec's JSON Schema -> ``litellm.completion`` with JSON output ->
validate into :class:`AssetSpec`. On invalid JSON or schema errors the errors are fed back for
one repair round. Rate limits, 5xx and connection errors are retried with exponential backoff
and jitter (tenacity); then the next model of the fallback chain (``LLM_MODELS``) is tried.
Valid replies are cached in diskcache keyed by (model, rendered prompt).
LiteLLM docs: https://docs.litellm.ai/docs/completion/input
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from core.errors import LLMError, SpecError
from core.spec.builtin import BuiltinSpecWriter, WriteResult, clean_description
from core.spec.model import MAX_PARTS, Primitive, spec_json_schema
from core.types import Availability

if TYPE_CHECKING:
    from core.config import Settings

_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _schema_json() -> str:
    return json.dumps(spec_json_schema(), separators=(",", ":"))


def extract_json(text: str) -> dict:
    """Parse a model reply into a dict; tolerates code fences and prose around one object.

    Raises
    ------
    SpecError
        No JSON object could be parsed (the message says why, for the repair prompt).
    """
    if not text or not text.strip():
        raise SpecError("The reply was empty.")
    body = _FENCE.sub("", text.strip())
    try:
        data = json.loads(body)
    except json.JSONDecodeError as first:
        start, end = body.find("{"), body.rfind("}")
        if start < 0 or end <= start:
            raise SpecError(f"The reply is not JSON ({first.msg} at line {first.lineno}).") from first
        try:
            data = json.loads(body[start : end + 1])
        except json.JSONDecodeError as e:
            raise SpecError(f"The reply is not valid JSON ({e.msg} at line {e.lineno}).") from e
    if not isinstance(data, dict):
        raise SpecError(f"The reply is JSON but a {type(data).__name__}, not an object.")
    return data


def catalogue_for(
    description: str, detail: int = 12, settings: Settings | None = None
) -> tuple[dict[str, list[str]], list[tuple]]:
    """The template catalogue for a prompt: every name grouped by family (compact enough for a
    3B model's context), and one line each (name, family, summary, parameters) for the
    ``detail`` templates most relevant to ``description`` (the built-in writer's candidates and
    their families). The templates are those of ``settings`` (default: the settings in force)."""
    from core.spec.library import get_library

    lib = get_library(settings=settings)
    families: dict[str, list[str]] = {}
    for t in lib.templates.values():
        families.setdefault(t.family, []).append(t.name)
    try:
        cands = BuiltinSpecWriter(lib).write(description).candidates
    except SpecError:
        cands = []
    names = [c.name for c in cands]
    for c in cands:
        names += [n for n in families.get(c.family, []) if n not in names]
    relevant = [lib.templates[n] for n in names[:detail]]
    return families, [(t.name, t.family, t.tpl.summary, sorted(t.tpl.params)) for t in relevant]


class LiteLLMSpecWriter:
    """Spec writer backed by LiteLLM; see the module docstring for the protocol."""

    name = "litellm"
    label = "LLM via LiteLLM"

    def __init__(self, model: str | None = None, settings: Settings | None = None) -> None:
        """``model``: the only model to ask (default: the ``LLM_MODELS`` chain); ``settings``
        default to the settings in force. Raises ``SpecError`` when no model is configured."""
        from core.config import get_settings

        self.settings = settings or get_settings()
        self.models = [model] if model else list(self.settings.llm_models)
        if not self.models:
            raise SpecError("No LLM model configured.", "Set LLM_MODELS or pass --model.")

    @classmethod
    def availability(cls, settings: Settings | None = None) -> Availability:
        """Ready when an API base or key is configured in ``settings`` (default: the settings
        in force), or a provider key is in the environment."""
        import os

        from core.config import get_settings

        s = settings or get_settings()
        if s.llm_api_base or s.llm_api_key:
            return Availability(True, f"models: {', '.join(s.llm_models)}")
        keys = (
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
            "GEMINI_API_KEY",
            "MISTRAL_API_KEY",
            "GROQ_API_KEY",
            "OLLAMA_API_BASE",
            "AZURE_API_KEY",
            "OPENROUTER_API_KEY",
        )
        found = [k for k in keys if os.environ.get(k)]
        if found:
            return Availability(True, f"models: {', '.join(s.llm_models)}")
        return Availability(
            False,
            "No LLM configured: set OPENAI_API_KEY (or another provider key), or "
            "LLM_API_BASE for a local OpenAI-compatible server such as Ollama.",
        )

    # --- prompt --------------------------------------------------------------------------------
    def messages(self, description: str, style: str | None) -> list[dict]:
        from core.prompts import render

        families, relevant = catalogue_for(description, settings=self.settings)
        system = render(
            "spec_system.j2",
            schema_json=_schema_json(),
            max_parts=min(MAX_PARTS, 64),
            primitives=", ".join(p.value for p in Primitive),
            families=families,
            relevant=relevant,
        )
        user = render(
            "spec_user.j2",
            description=description,
            style=style,
            target_polycount=3000,
            formats=list(self.settings.export_formats),
        )
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    # --- transport -----------------------------------------------------------------------------
    def _complete(self, model: str, messages: list[dict]) -> str:
        """One completion with retries on 429/5xx/connection errors; returns the text."""
        import litellm
        from tenacity import (
            retry,
            retry_if_exception_type,
            stop_after_attempt,
            wait_exponential_jitter,
        )

        retryable = (
            litellm.RateLimitError,
            litellm.InternalServerError,
            litellm.ServiceUnavailableError,
            litellm.APIConnectionError,
            litellm.Timeout,
        )

        @retry(
            retry=retry_if_exception_type(retryable),
            stop=stop_after_attempt(self.settings.llm_retries + 1),
            wait=wait_exponential_jitter(initial=0.2, max=8.0),
            reraise=True,
        )
        def call() -> str:
            kwargs = {}
            if self.settings.llm_api_base:
                kwargs["api_base"] = self.settings.llm_api_base
            if self.settings.llm_api_key:
                kwargs["api_key"] = self.settings.llm_api_key.get_secret_value()
            response = litellm.completion(
                model=model,
                messages=messages,
                response_format={"type": "json_object"},
                temperature=0.2,
                timeout=self.settings.llm_timeout_s,
                num_retries=0,
                **kwargs,
            )
            return response.choices[0].message.content or ""

        return call()

    def _cache(self):
        if not self.settings.llm_cache:
            return None
        import diskcache

        return diskcache.Cache(str(self.settings.cache_dir / "llm"))

    @staticmethod
    def _key(model: str, messages: list[dict]) -> str:
        blob = json.dumps([model, messages], sort_keys=True, ensure_ascii=False)
        return "spec:" + hashlib.sha256(blob.encode()).hexdigest()

    # --- the JSON conversation shared by every LLM feature ----------------------------------
    def ask_json(self, messages: list[dict], validate, what: str = "reply"):
        """Send ``messages`` down the model chain until one reply passes ``validate``.

        ``validate(dict) -> T`` raises ``SpecError`` for a reply it cannot use; the error is
        fed back once (repair round). Valid replies are cached by (model, messages) as the JSON
        the model sent. Returns ``(T, model, cached)``.

        Raises
        ------
        LLMError
            Every model failed; the message lists each model's reason.
        """
        import openai

        cache = self._cache()
        reasons = []
        try:
            for model in self.models:
                key = self._key(model, messages)
                if cache is not None and key in cache:
                    return validate(json.loads(cache[key])), model, True
                convo = list(messages)
                try:
                    for attempt in range(2):  # first answer + one repair round
                        reply = self._complete(model, convo)
                        try:
                            data = extract_json(reply)
                            value = validate(data)
                        except SpecError as e:
                            if attempt == 1:
                                raise LLMError(f"invalid reply after repair: {e}") from e
                            convo += [
                                {"role": "assistant", "content": reply[:20000]},
                                {"role": "user", "content": _repair_prompt(str(e))},
                            ]
                            continue
                        if cache is not None:
                            cache.set(key, json.dumps(data))
                        return value, model, False
                except LLMError as e:
                    reasons.append(f"{model}: {e.message}")
                except openai.OpenAIError as e:  # every LiteLLM API error derives from it
                    reasons.append(f"{model}: {type(e).__name__}: {_short(e)}")
        finally:
            if cache is not None:
                cache.close()
        raise LLMError(
            f"No model produced a valid {what}. " + "; ".join(reasons),
            "Check the API key / LLM_API_BASE, or use the builtin writer.",
        )

    # --- writer --------------------------------------------------------------------------------
    def write(
        self,
        description: str,
        style: str | None = None,
        *,
        seed: int = 0,
        template: str | None = None,
        family: str | None = None,
    ) -> WriteResult:
        """Ask the model chain for a spec of ``description``.

        Raises
        ------
        SpecError
            Empty description.
        LLMError
            Every model failed (network, auth, or replies invalid after the repair round);
            the message lists each model's reason.
        """
        from core.spec.composition import build_composition, is_composition
        from core.spec.io import parse_spec

        text, warnings = clean_description(description)
        builtin = BuiltinSpecWriter(settings=self.settings)
        if template is not None:  # the user picked a template: the library builds it, no call
            return builtin.write(text, style=style, seed=seed, template=template, family=family)

        def validate(data: dict):
            if is_composition(data):
                return build_composition(data, text, style, seed, library=builtin.library)
            return parse_spec(data)

        spec, model, cached = self.ask_json(self.messages(text, style), validate, what="spec")
        return WriteResult(spec, self.name, spec.archetype, warnings, model, cached=cached, seed=seed)


def _repair_prompt(errors: str) -> str:
    from core.prompts import render

    return render("spec_repair.j2", errors=errors)


def _short(e: Exception, limit: int = 200) -> str:
    msg = " ".join(str(e).split())
    return msg[:limit]
