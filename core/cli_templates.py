"""``python -m core templates [--json]`` lists the template library; ``templates check DIR``
validates a studio's folder of template files (schema, expressions, and a watertight build)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    add_completion=False,
    invoke_without_command=True,
    help="The built-in writer's template library: list it, or check a folder of templates.",
)


@app.callback()
def list_templates(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
    family: Annotated[str | None, typer.Option("--family", help="Only this family.")] = None,
) -> None:
    """List every template: name, family, category, nouns; problems go to stderr."""
    if ctx.invoked_subcommand is not None:
        return
    from core.spec.library import get_library

    lib = get_library()
    rows = [
        {
            "name": t.name,
            "family": t.family,
            "category": t.tpl.category.value,
            "summary": t.tpl.summary,
            "nouns": list(t.tpl.nouns),
            "params": sorted(t.tpl.params),
            "points": sorted(t.point_names),
            "source": t.source,
        }
        for t in lib.templates.values()
        if family is None or t.family == family
    ]
    for p in lib.problems:
        typer.echo(f"warning: {p}", err=True)
    if as_json:
        typer.echo(
            json.dumps(
                {"templates": rows, "nouns": lib.noun_count(), "problems": [str(p) for p in lib.problems]},
                indent=1,
            )
        )
        return
    for r in rows:
        nouns = ", ".join(r["nouns"][:6]) + (" …" if len(r["nouns"]) > 6 else "")
        typer.echo(f"{r['name']:<22} {r['family']:<12} {r['category']:<13} {nouns}")
    typer.echo(f"{len(rows)} templates, {lib.noun_count()} nouns", err=True)


@app.command("check")
def check(
    paths: Annotated[list[Path], typer.Argument(help="Folders of *.toml template files, or the files.")],
    build: Annotated[
        bool, typer.Option("--build/--no-build", help="Also build each template's mesh.")
    ] = True,
) -> None:
    """Validate the templates in PATHS; each problem names the file, template and field.
    Exit 1 if any."""
    from core.spec.library import build as build_library
    from core.template_check import check_template

    for p in paths:
        if not p.exists():
            typer.echo(f"error: {str(p)[:80]} does not exist", err=True)
            raise typer.Exit(2)
    lib = build_library(paths)
    problems = [str(p) for p in lib.problems]
    if build:
        for t in lib.templates.values():
            problems += [f"{t.source}: template '{t.name}': {p}" for p in check_template(t)]
    for p in problems:
        typer.echo(p)
    typer.echo(f"{len(lib.templates)} template(s) checked, {len(problems)} problem(s)", err=True)
    if problems or not lib.templates:
        raise typer.Exit(1)
