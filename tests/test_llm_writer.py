"""The litellm spec writer against a real OpenAI-compatible HTTP server on loopback."""

from __future__ import annotations

import json

import pytest

from core.errors import LLMError, SpecError
from core.spec.llm import LiteLLMSpecWriter, extract_json


def writer(*models: str) -> LiteLLMSpecWriter:
    w = LiteLLMSpecWriter()
    w.models = list(models)
    return w


def test_good_reply_becomes_a_spec_and_is_cached(fake_llm, good_spec_json):
    fake_llm.script["good"] = [(200, good_spec_json)]
    result = writer("openai/good").write("elvish sword")
    assert result.writer == "litellm" and result.model == "openai/good" and not result.cached
    assert result.spec.archetype == "sword"
    request = fake_llm.requests[0]
    assert request["response_format"] == {"type": "json_object"}
    assert "elvish sword" in request["messages"][1]["content"]
    assert (
        '"AssetSpec"' in request["messages"][0]["content"]
        or "Dimensions" in request["messages"][0]["content"]
    )
    again = writer("openai/good").write("elvish sword")
    assert again.cached and fake_llm.calls("good") == 1
    assert again.spec == result.spec


def test_code_fenced_reply_is_accepted(fake_llm, good_spec_json):
    fake_llm.script["good"] = [(200, f"```json\n{good_spec_json}\n```")]
    assert writer("openai/good").write("sword").spec.name


@pytest.mark.parametrize("bad", ["this is not json", '{"name": "Sword", "parts": [', '["a list"]'])
def test_invalid_json_gets_one_repair_round(fake_llm, good_spec_json, bad):
    fake_llm.script["m"] = [(200, bad), (200, good_spec_json)]
    result = writer("openai/m").write("sword")
    assert result.spec.archetype == "sword"
    assert fake_llm.calls("m") == 2
    repair = fake_llm.requests[1]["messages"]
    assert repair[-2]["role"] == "assistant" and repair[-1]["role"] == "user"
    assert "could not be used" in repair[-1]["content"]


def test_schema_errors_are_fed_back(fake_llm, good_spec_json):
    wrong = json.loads(good_spec_json)
    wrong["dimensions"]["height"] = -2
    fake_llm.script["m"] = [(200, json.dumps(wrong)), (200, good_spec_json)]
    writer("openai/m").write("sword")
    assert "dimensions.height" in fake_llm.requests[1]["messages"][-1]["content"]


def test_still_invalid_after_repair_falls_back_to_next_model(fake_llm, good_spec_json):
    fake_llm.script["bad"] = [(200, '{"name": "x"}'), (200, '{"name": "x"}')]
    fake_llm.script["good"] = [(200, good_spec_json)]
    result = writer("openai/bad", "openai/good").write("sword")
    assert result.model == "openai/good"
    assert fake_llm.calls("bad") == 2


def test_rate_limit_is_retried(fake_llm, good_spec_json):
    fake_llm.script["m"] = [(429, None), (200, good_spec_json)]
    assert writer("openai/m").write("sword").model == "openai/m"
    assert fake_llm.calls("m") == 2


def test_server_errors_fall_back_to_the_next_model(fake_llm, good_spec_json):
    fake_llm.script["down"] = [(500, None)] * 3
    fake_llm.script["up"] = [(200, good_spec_json)]
    result = writer("openai/down", "openai/up").write("sword")
    assert result.model == "openai/up"
    assert fake_llm.calls("down") == 3  # first try + LLM_RETRIES=2


def test_all_models_failing_raises_with_each_reason(fake_llm):
    fake_llm.script["a"] = [(500, None)] * 3
    fake_llm.script["b"] = [(200, "nope"), (200, "still nope")]
    with pytest.raises(LLMError) as err:
        writer("openai/a", "openai/b").write("sword")
    msg = str(err.value)
    assert "openai/a" in msg and "openai/b" in msg and "builtin" in msg
    assert "sk-test" not in msg  # never echo secrets


def test_template_variables_in_the_description_are_not_executed(fake_llm, good_spec_json):
    fake_llm.script["m"] = [(200, good_spec_json)]
    writer("openai/m").write("{{ schema_json }} sword")
    assert "{{ schema_json }} sword" in fake_llm.requests[0]["messages"][1]["content"]


def test_empty_description_never_reaches_the_model(fake_llm):
    with pytest.raises(SpecError):
        writer("openai/m").write("   ")
    assert fake_llm.requests == []


def test_extract_json_errors():
    with pytest.raises(SpecError, match="empty"):
        extract_json("")
    with pytest.raises(SpecError, match="not an object"):
        extract_json("[1]")
    assert extract_json('Sure! {"a": 1} hope this helps') == {"a": 1}


def test_availability_reports_what_is_missing(configure):
    avail = LiteLLMSpecWriter.availability()
    assert not avail.ok and "OPENAI_API_KEY" in avail.reason
    configure(llm_api_base="http://127.0.0.1:1/v1")
    assert LiteLLMSpecWriter.availability().ok


def test_the_prompt_carries_the_template_catalogue_and_a_composition_reply_builds(fake_llm):
    """A small model may answer with template references: the library builds the spec."""
    reply = json.dumps(
        {
            "template": "chest",
            "params": {},
            "attach": [{"template": "lantern", "relation": "on"}],
            "colors": {"wood": "#224488"},
            "name": "Blue Chest",
        }
    )
    fake_llm.script["small"] = [(200, reply)]
    result = writer("openai/small").write("a blue chest with a lantern on it")
    system = fake_llm.requests[0]["messages"][0]["content"]
    assert "Catalogue" in system and "\ncontainer: " in system and "\ninstrument: " in system
    assert "\nchest, container: " in system  # the closest templates, one line each
    spec = result.spec
    assert spec.archetype == "chest" and spec.name == "Blue Chest"
    assert any(p.name.startswith("lantern_") for p in spec.parts)
    assert spec.material("wood").base_color == "#224488"
    assert spec.short_description == "a blue chest with a lantern on it"


def test_a_bad_composition_gets_the_repair_round(fake_llm):
    good = json.dumps({"template": "sword"})
    fake_llm.script["m"] = [(200, json.dumps({"template": "swrod"})), (200, good)]
    result = writer("openai/m").write("a sword")
    assert result.spec.archetype == "sword" and fake_llm.calls("m") == 2
    assert "Unknown template 'swrod'" in fake_llm.requests[1]["messages"][-1]["content"]
