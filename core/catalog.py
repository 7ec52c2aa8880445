"""Old name of :func:`core.backends.capability_report`, as plain dicts.

Kept only until ``core/cli.py`` (``backends``) and ``ui/sidebar.py`` call
:func:`core.backends.capability_report`; then this module goes.
"""

from __future__ import annotations


def backend_report() -> list[dict]:
    """Rows ``{kind, name, label, available, reason}``: :func:`core.backends.capability_report`
    with each row as a dict."""
    from core.backends import capability_report

    return [row.model_dump() for row in capability_report()]
