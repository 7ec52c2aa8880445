"""Jinja2 prompt templates from ``prompts/`` (StrictUndefined: a missing variable is an error)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@lru_cache(maxsize=1)
def _env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(PROMPTS_DIR)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
    )


def render(template: str, /, **variables: object) -> str:
    """Render ``prompts/<template>`` with ``variables``.

    Raises
    ------
    jinja2.UndefinedError
        A variable the template uses was not given.
    jinja2.TemplateNotFound
        No such template.
    """
    return _env().get_template(template).render(**variables).strip()
