"""Layers that import-linter cannot check: the Streamlit pages are scripts, not a package, so
every file of the UI (Home.py, pages/, ui/) is parsed here instead."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

FORBIDDEN = "core.generators"  # the UI asks core.backends for capabilities, never the registry


def ui_files() -> list[Path]:
    return [REPO / "Home.py", *sorted((REPO / "pages").glob("*.py")), *sorted((REPO / "ui").glob("*.py"))]


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` for every import in ``path``, those inside functions included;
    ``from core import generators`` counts as ``core.generators``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def test_no_page_or_ui_module_imports_the_generators():
    files = ui_files()
    assert len(files) > 5 and all(f.is_file() for f in files)
    bad = [
        f"{path.relative_to(REPO)}:{line} imports {module}"
        for path in files
        for line, module in imported_modules(path)
        if module == FORBIDDEN or module.startswith(FORBIDDEN + ".")
    ]
    assert not bad, bad


def test_the_check_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "page.py"
    sample.write_text("def f():\n    from core import generators\n    import core.generators.meshy\n")
    assert [m for _, m in imported_modules(sample) if m.startswith(FORBIDDEN)] == [
        "core.generators",
        "core.generators.meshy",
    ]
