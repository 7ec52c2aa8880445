"""The command-line interface: ``python -m core generate | batch | resume | spec | backends``.

Progress and logs go to stderr; with ``--json`` stdout carries one JSON object per asset per
line. Errors exit non-zero with a one-line message naming what to fix.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from core.errors import WorkbenchError, clip

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="3D Asset Workbench: describe a game asset, get a spec, a 3D model and files.",
)

Writer = Annotated[
    str | None, typer.Option("--writer", help="Spec writer: builtin | litellm (default: SPEC_WRITER).")
]
Model = Annotated[str | None, typer.Option("--model", help="LiteLLM model, e.g. gpt-4o-mini.")]
Backend = Annotated[str | None, typer.Option("--backend", help="3D generator backend (default: GENERATOR).")]
Formats = Annotated[
    str | None, typer.Option("--formats", help="Comma-separated: glb,gltf,obj,stl,ply,fbx,blend.")
]
Out = Annotated[str | None, typer.Option("--out", help="Asset folder (default: ASSET_DIR).")]
Seed = Annotated[int, typer.Option("--seed", help="Seed for backends that sample.")]
Style = Annotated[str | None, typer.Option("--style", help="Style override, e.g. low-poly.")]
AsJson = Annotated[bool, typer.Option("--json", help="One JSON object per asset on stdout.")]
Image = Annotated[
    Path | None,
    typer.Option("--image", help="Reference image (PNG/JPEG/WebP) for image-to-3D backends (meshy, tripo)."),
]
Template = Annotated[
    str | None, typer.Option("--template", help="Template for the object (see `templates`), e.g. guitar.")
]
Kind = Annotated[
    str | None, typer.Option("--kind", help="Family that guides unknown words, e.g. instrument.")
]
Fallback = Annotated[
    str | None,
    typer.Option(
        "--fallback",
        help="Backends to try if --backend fails, e.g. tripo,procedural "
        "(default: GENERATOR_FALLBACKS; '' for none).",
    ),
]


MAX_ERROR_CHARS = 600  # an error line; user input inside it is clipped shorter still
MAX_BATCH_BYTES = 10 * 1024 * 1024
MAX_BATCH_LINES = 10_000


def _clip(text: object, limit: int = 80) -> str:
    """User input to echo in a message: :func:`core.errors.clip`, plus its full length."""
    text = str(text)
    return text if len(text) <= limit else f"{clip(text, limit)} ({len(text):,} characters)"


def _err(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` (one line, clipped) on stderr; returns the Exit to raise."""
    line = " ".join(str(message).split())
    typer.echo(f"error: {_clip(line, MAX_ERROR_CHARS)}", err=True)
    return typer.Exit(code)


def _asset_dir(out: str | None) -> Path:
    """``--out`` (checked: not empty, not a file, not too long) or the ASSET_DIR setting."""
    from core.config import check_asset_dir, get_settings
    from core.errors import ConfigError

    if out is None:
        return get_settings().asset_dir
    try:
        return check_asset_dir(out, "--out")
    except ConfigError as e:
        raise _err(str(e), 2) from None


def _defaults(writer: str | None, backend: str | None) -> tuple[str, str]:
    from core.config import get_settings

    s = get_settings()
    return writer or s.spec_writer, backend or s.generator


def _formats(formats: str | None) -> list[str]:
    from core.config import get_settings

    if formats is None:
        return list(get_settings().export_formats)
    items = [f.strip().lower().lstrip(".") for f in formats.split(",") if f.strip()]
    if not items:
        raise _err("--formats is empty; give e.g. glb,obj,stl", 2)
    return items


def _run_jobs(jobs, as_json: bool) -> int:
    """Run jobs one after another with a rich progress bar on stderr; returns failures."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from core.jobs.checkpoint import STEPS

    console = Console(stderr=True)
    failures = 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=console,
        transient=as_json,
    ) as progress:
        for job in jobs:
            label = job.cp.inputs.description[:40]
            task = progress.add_task(label, total=len(STEPS), step="")
            try:
                for ev in job.run():
                    done = STEPS.index(ev.step) + (ev.fraction if ev.kind != "skip" else 1.0)
                    progress.update(
                        task, completed=min(done, len(STEPS)), step=f"{ev.step}: {ev.message[:50]}"
                    )
                result = job.result()
            except WorkbenchError as e:
                failures += 1
                progress.update(task, step="[red]failed")
                console.print(
                    f"[red]error:[/red] {job.job_id} ({label}): {_clip(e, MAX_ERROR_CHARS)}",
                    markup=True,
                    highlight=False,
                    soft_wrap=True,
                )
                result = job.result()
                if result["status"] == "done":  # finished, yet unusable now: not a success
                    result = {**result, "status": "failed", "error": str(e)}
            for w in result.get("warnings", []):
                console.print(f"[yellow]warning[/yellow] {job.job_id}: {w}", highlight=False)
            if as_json:
                sys.stdout.write(json.dumps(result) + "\n")
                sys.stdout.flush()
            elif result["status"] == "done":
                for fb in result.get("fallbacks", []):
                    console.print(
                        f"[yellow]fell back[/yellow] from {fb['backend']}: {fb['error']}", highlight=False
                    )
                cost = ", ".join(f"{k} {v:g}" for k, v in result.get("costs", {}).items())
                console.print(
                    f"[green]done[/green] {result['asset_id']} ({result.get('backend')}"
                    f"{'; ' + cost if cost else ''}) -> {Path(next(iter(result['files'].values()))).parent}",
                    highlight=False,
                )
    return failures


def _create_and_run(
    texts,
    writer,
    model,
    backend,
    formats,
    out,
    seed,
    style,
    as_json,
    image=None,
    fallback=None,
    template=None,
) -> None:
    """Checkpoint one job per text (all before the first runs), then run them. With a remote
    store each job is shared as soon as it is created, so another machine's ``resume --all``
    finds the whole queue even if this process dies before reaching it."""
    from core.images import read_reference_image
    from core.jobs.pipeline import Job
    from core.spec.builtin import clean_description

    asset_dir = _asset_dir(out)
    writer, backend = _defaults(writer, backend)
    fmts = _formats(formats)
    fallbacks = None if fallback is None else [b.strip() for b in fallback.split(",") if b.strip()]
    try:
        reference = read_reference_image(image) if image is not None else None
        for text in texts:  # every description is checked before any job folder is made
            for w in clean_description(text)[1]:
                typer.echo(
                    f"warning: {_clip(text, 40)}: {w}" if len(texts) > 1 else f"warning: {w}", err=True
                )
        jobs = []
        for text in texts:
            spec = None
            if template is not None:  # the chosen template: the spec is written here, offline
                from core.spec.builtin import BuiltinSpecWriter

                spec = BuiltinSpecWriter().write(text, style=style, seed=seed, template=template).spec
                spec.technical.export_formats = fmts
            job = Job.create(
                text,
                asset_dir=asset_dir,
                writer=writer,
                model=model,
                backend=backend,
                fallbacks=fallbacks,
                formats=fmts,
                seed=seed,
                style=style,
                reference_image=reference,
                spec=spec,
            )
            job.share()
            jobs.append(job)
    except WorkbenchError as e:
        raise _err(str(e)) from None
    if _run_jobs(jobs, as_json):
        raise typer.Exit(1)


@app.command()
def generate(
    text: Annotated[str, typer.Argument(help='What to make, e.g. "elvish sword".')],
    writer: Writer = None,
    model: Model = None,
    backend: Backend = None,
    formats: Formats = None,
    out: Out = None,
    seed: Seed = 0,
    style: Style = None,
    image: Image = None,
    fallback: Fallback = None,
    template: Template = None,
    as_json: AsJson = False,
) -> None:
    """Generate one asset from a description (and a reference image with --image)."""
    _create_and_run(
        [text], writer, model, backend, formats, out, seed, style, as_json, image, fallback, template
    )


@app.command()
def batch(
    file: Annotated[Path, typer.Argument(help="Text file, one description per line.")],
    writer: Writer = None,
    model: Model = None,
    backend: Backend = None,
    formats: Formats = None,
    out: Out = None,
    seed: Seed = 0,
    style: Style = None,
    image: Image = None,
    fallback: Fallback = None,
    as_json: AsJson = False,
) -> None:
    """Generate one asset per line of FILE (blank lines and # comments skipped).

    Every job's checkpoint is written before the first one runs, so an interrupted batch is
    finished by ``resume --all``.
    """

    from core.fsutil import read_bytes_limited

    shown = _clip(file, 120)
    try:
        data = read_bytes_limited(file, MAX_BATCH_BYTES)
        if len(data) > MAX_BATCH_BYTES:
            raise _err(
                f"{shown} is larger than {MAX_BATCH_BYTES // 2**20} MiB; split it into smaller batches"
            )
        lines = data.decode("utf-8").splitlines()
    except OSError as e:
        raise _err(f"cannot read {shown}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise _err(f"cannot read {shown}: it is not UTF-8 text (byte {e.start}); save it as UTF-8") from None
    lines = [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]
    if not lines:
        raise _err(f"{shown} has no descriptions")
    if len(lines) > MAX_BATCH_LINES:
        raise _err(f"{shown} has {len(lines):,} descriptions; the limit is {MAX_BATCH_LINES:,} per batch")
    _create_and_run(lines, writer, model, backend, formats, out, seed, style, as_json, image, fallback)


@app.command()
def resume(
    job_ids: Annotated[list[str] | None, typer.Argument(help="Job id(s) to resume.")] = None,
    all_jobs: Annotated[bool, typer.Option("--all", help="Resume every unfinished job.")] = False,
    out: Out = None,
    as_json: AsJson = False,
) -> None:
    """Resume interrupted jobs; completed steps with intact outputs are not redone.

    With --all, jobs whose checkpoint cannot be read are reported (and skipped); if nothing
    else was left to resume, the exit status is 1."""
    from core.jobs.pipeline import Job, scan_jobs

    asset_dir = _asset_dir(out)
    if not job_ids and not all_jobs:
        raise _err("give a JOB_ID or --all", 2)
    unreadable: dict[str, str] = {}
    try:
        if all_jobs:
            found, unreadable = scan_jobs(asset_dir)
            jobs = []
            for cp in found:
                if cp.status == "done":
                    continue
                try:
                    jobs.append(Job.open(cp.job_id, asset_dir))
                except WorkbenchError as e:  # changed or vanished since it was listed
                    unreadable[cp.job_id] = str(e)
        else:
            jobs = [Job.open(j, asset_dir) for j in job_ids or []]
    except WorkbenchError as e:
        raise _err(str(e)) from None
    _report_unreadable(unreadable, "skipped")
    if not jobs:
        if unreadable:
            raise _err(f"nothing resumed: {len(unreadable)} job(s) could not be read (listed above)")
        typer.echo("nothing to resume", err=True)
        return
    if _run_jobs(jobs, as_json):
        raise typer.Exit(1)


def _report_unreadable(unreadable: dict[str, str], what: str) -> None:
    """One ``warning:`` line per job whose checkpoint cannot be read."""
    for job_id, why in unreadable.items():
        typer.echo(f"warning: {what} unreadable job {_clip(job_id, 80)}: {_clip(why, 300)}", err=True)


@app.command()
def edit(
    asset_id: Annotated[str, typer.Argument(help="Stored asset to edit (see `list`).")],
    instruction: Annotated[str, typer.Argument(help='e.g. "make it taller" or "gold blade".')],
    editor: Annotated[str, typer.Option("--editor", help="builtin | litellm")] = "builtin",
    model: Model = None,
    apply: Annotated[bool, typer.Option("--apply", help="Generate the edited version now.")] = False,
    out: Out = None,
    as_json: AsJson = False,
) -> None:
    """Propose an edit of an asset's spec and show the diff; --apply makes a new version
    (a new asset; the old one is kept)."""
    from core.jobs.pipeline import Job
    from core.spec.edits import get_editor
    from core.spec.io import read_spec_file
    from core.storage import open_store

    asset_dir = _asset_dir(out)
    try:
        store = open_store(root=asset_dir)
        meta = store.get_metadata(asset_id)
        spec = read_spec_file(store.local_path(asset_id, "spec.json"))
        proposal = get_editor(editor, **({"model": model} if model else {})).propose(spec, instruction)
    except WorkbenchError as e:
        raise _err(str(e)) from None
    for line in proposal.changes:
        typer.echo(f"  {line}", err=True)
    if not apply:
        if as_json:
            sys.stdout.write(
                json.dumps({"asset_id": asset_id, "patch": proposal.patch, "changes": proposal.changes})
                + "\n"
            )
        else:
            typer.echo("(not applied: add --apply to generate the new version)", err=True)
        return
    fmts = [f.value for f in proposal.spec.technical.export_formats]
    description, backend = meta.get("description"), meta.get("backend")
    try:
        job = Job.create(
            description if isinstance(description, str) else spec.short_description,
            asset_dir=asset_dir,
            spec=proposal.spec,
            backend=backend if isinstance(backend, str) else "procedural",
            formats=fmts,
        )
        job.share()
    except WorkbenchError as e:
        raise _err(str(e)) from None
    if _run_jobs([job], as_json):
        raise typer.Exit(1)


@app.command("list")
def list_cmd(out: Out = None, as_json: AsJson = False) -> None:
    """List the store's assets and every job with its status (jobs whose checkpoint cannot
    be read are reported on stderr and skipped)."""
    from core.jobs.pipeline import scan_jobs
    from core.storage import open_store

    asset_dir = _asset_dir(out)
    try:
        store = open_store(root=asset_dir)
        assets = store.list_assets()
        jobs, unreadable = scan_jobs(asset_dir)
    except WorkbenchError as e:
        raise _err(str(e)) from None
    _report_unreadable(unreadable, "skipped")
    if as_json:
        for m in assets:
            sys.stdout.write(
                json.dumps(
                    {
                        "type": "asset",
                        "asset_id": m["asset_id"],
                        "name": m.get("name"),
                        "archetype": m.get("archetype"),
                        "created_at": m.get("created_at"),
                        "faces": m.get("stats", {}).get("faces"),
                    }
                )
                + "\n"
            )
        for cp in jobs:
            done = [s for s, st in cp.steps.items() if st.status == "done"]
            sys.stdout.write(
                json.dumps(
                    {
                        "type": "job",
                        "job_id": cp.job_id,
                        "asset_id": cp.asset_id,
                        "status": cp.status,
                        "steps_done": done,
                        "error": cp.error,
                    }
                )
                + "\n"
            )
        return
    typer.echo(f"{len(assets)} asset(s) in {store.location()}")
    for m in assets:
        typer.echo(f"  {m['asset_id']:<48} {m.get('archetype', ''):<15} {m.get('created_at', '')[:19]}")
    typer.echo(f"{len(jobs)} job(s)")
    for cp in jobs:
        typer.echo(f"  {cp.job_id}  {cp.status:<11} {cp.asset_id}")


@app.command()
def spec(
    text: Annotated[str, typer.Argument(help="Description.")],
    writer: Writer = None,
    model: Model = None,
    style: Style = None,
    seed: Annotated[int, typer.Option("--seed", help="Variant: 0 = usual proportions.")] = 0,
    template: Template = None,
    kind: Kind = None,
    candidates: Annotated[
        bool, typer.Option("--candidates", help="Print the top three templates on stderr.")
    ] = False,
) -> None:
    """Write only the spec and print it as JSON."""
    from core.spec.io import dump_spec
    from core.spec.writers import get_writer

    writer, _ = _defaults(writer, None)
    try:
        result = get_writer(writer, **({"model": model} if model else {})).write(
            text, style=style, seed=seed, template=template, family=kind
        )
        output = dump_spec(result.spec)
    except WorkbenchError as e:
        raise _err(str(e)) from None
    for w in result.warnings:
        typer.echo(f"warning: {w}", err=True)
    if candidates:
        for c in result.candidates:
            typer.echo(f"candidate: {c.name} ({c.family}) {c.score:.2f}: {c.why}", err=True)
    typer.echo(output)


@app.command()
def reconstruct(
    points: Annotated[Path, typer.Argument(help="Point cloud .ply (binary or ASCII, optional RGB).")],
    out: Annotated[
        Path, typer.Option("--out", help="Mesh file: .glb, .gltf, .ply, .obj, .stl, .fbx, .blend.")
    ],
    grid: Annotated[
        int | None,
        typer.Option(
            "--grid",
            help="Marching-cubes cells along the longest side (32-160; default from the point count).",
        ),
    ] = None,
    faces: Annotated[
        int | None, typer.Option("--faces", help="Simplify the mesh to about this many triangles.")
    ] = None,
    bake: Annotated[
        bool,
        typer.Option(
            "--bake", help="Bake vertex colours into a UV texture (xatlas; with --faces on big meshes)."
        ),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Reconstruct a watertight, coloured mesh from a point cloud (metres in, metres out)."""
    import time

    from core.mesh.formats import EXPORTERS, FORMATS, export_all
    from core.mesh.process import mesh_stats
    from core.mesh.reconstruct import GRID_MAX, GRID_MIN, check_point_cloud, read_ply_points
    from core.mesh.reconstruct import reconstruct as run
    from core.mesh.reconstruct_io import check_output_path

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise _err(f"--out must end in one of {', '.join('.' + f for f in FORMATS)}", 2)
    if faces is not None and not 100 <= faces <= 5_000_000:
        raise _err(f"--faces must be 100 to 5,000,000 triangles, got {faces}", 2)
    if grid is not None and not GRID_MIN <= grid <= GRID_MAX:
        raise _err(f"--grid must be {GRID_MIN} to {GRID_MAX} cells, got {grid}", 2)
    try:
        check_output_path(out)  # before any work: a bad --out must not cost a reconstruction
        t0 = time.perf_counter()
        pts, colors = read_ply_points(points)
        cloud, notes = check_point_cloud(pts, colors)
        mesh = run(cloud.points, cloud.colors, grid=grid)
        if faces:
            from core.mesh.process import simplify_textured

            mesh = simplify_textured(mesh, faces)
        if bake:
            from core.mesh.bake import bake_vertex_colors

            mesh = bake_vertex_colors(mesh)
        EXPORTERS.get(fmt)
        written = export_all(mesh, [fmt], out.parent, stem=out.stem)[fmt]
    except WorkbenchError as e:
        raise _err(str(e)) from None
    except OSError as e:  # the folder changed between the check and the export
        raise _err(f"cannot write {out}: {e.strerror or e}") from None
    report = {
        "input_points": len(pts),
        "colored": colors is not None,
        "notes": notes,
        "files": [str(p.resolve()) for p in written],
        "stats": mesh_stats(mesh),
        "seconds": round(time.perf_counter() - t0, 3),
    }
    if as_json:
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        for note in notes:
            typer.echo(f"note: {note}", err=True)
        st = report["stats"]
        typer.echo(
            f"{written[0]}: {st['faces']} triangles, watertight={st['watertight']}, "
            f"size {' x '.join(f'{v:.3f}' for v in st['size_m'])} m, {report['seconds']} s"
        )


@app.command()
def worker(
    queues: Annotated[
        str, typer.Option("--queues", help="Comma-separated: cpu, gpu, remote.")
    ] = "cpu,remote",
    concurrency: Annotated[int, typer.Option("--concurrency", help="Jobs at once in this worker.")] = 1,
    loglevel: Annotated[str, typer.Option("--loglevel", help="Celery log level.")] = "warning",
    name: Annotated[str | None, typer.Option("--name", help="Worker name, e.g. gpu1@%h.")] = None,
) -> None:
    """Run a Celery worker for JOB_RUNNER=celery (broker: CELERY_BROKER_URL)."""
    from core.jobs.celery_app import QUEUES, run_worker

    wanted = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = set(wanted) - set(QUEUES.values())
    if not wanted or unknown:
        raise _err(f"--queues takes {', '.join(sorted(set(QUEUES.values())))}; got {_clip(repr(queues))}", 2)
    run_worker(wanted, concurrency, loglevel, name)


@app.command()
def backends() -> None:
    """List spec writers, generators and export formats, and whether each can run here."""
    from core.catalog import backend_report

    for row in backend_report():
        mark = "ok " if row["available"] else "-- "
        typer.echo(f"{mark}{row['kind']:<10} {row['name']:<11} {row['reason']}")


@app.command()
def doctor(as_json: AsJson = False) -> None:
    """Check the installation: packages, Blender, rendering, store, keys, GPU."""
    from core.doctor import run_checks

    rows = run_checks()
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row) + "\n")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="3D Asset Workbench doctor")
        for col in ("check", "status", "detail"):
            table.add_column(col)
        marks = {True: "[green]ok[/green]", False: "[red]FAIL[/red]", None: "[yellow]--[/yellow]"}
        for row in rows:
            table.add_row(row["check"], marks[row["ok"]], row["detail"])
        Console().print(table)
    if any(r["ok"] is False for r in rows):
        raise typer.Exit(1)


def _add_groups() -> None:
    from core.cli_templates import app as templates_app

    app.add_typer(templates_app, name="templates")


_add_groups()


def main() -> None:
    """Entry point: settings are checked first (a bad one is a one-line error, exit 2); a
    typed error no command caught is still one line (exit 1)."""
    from pydantic import ValidationError

    try:
        from core.config import get_settings
        from core.logs import configure_logging

        get_settings()
        configure_logging()
    except ValidationError as e:
        from core.spec.io import format_validation_error

        typer.echo(f"error: invalid settings: {_clip(format_validation_error(e), MAX_ERROR_CHARS)}", err=True)
        raise SystemExit(2) from None
    except WorkbenchError as e:
        typer.echo(f"error: {_clip(e, MAX_ERROR_CHARS)}", err=True)
        raise SystemExit(2) from None
    try:
        app()
    except WorkbenchError as e:
        typer.echo(f"error: {_clip(e, MAX_ERROR_CHARS)}", err=True)
        raise SystemExit(1) from None
