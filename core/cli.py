"""The command-line interface: ``python -m core generate | batch | resume | spec | backends``.

Progress and logs go to stderr; with ``--json`` stdout carries one JSON object per asset per
line (a :class:`~core.schemas.JobResult`). Errors exit non-zero with a one-line message naming
what to fix. Each command reads the settings once and passes them on.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import WorkbenchError, clip
from core.formats import format_help

if TYPE_CHECKING:
    from core.config import Settings
    from core.jobs.pipeline import Job
    from core.jobs.request import JobRequest
    from core.schemas import AssetMetadata, JobResult

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
Formats = Annotated[str | None, typer.Option("--formats", help=f"Comma-separated: {format_help()}.")]
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

Collision = Annotated[
    str | None,
    typer.Option(
        "--collision",
        help="Collision mesh: none | hull | decomposition (convex pieces, CoACD) (default: COLLISION).",
    ),
]
TextureSize = Annotated[
    int | None,
    typer.Option(
        "--texture-size",
        help="Procedural texture size in pixels: 512, 1024 or 2048; 0 for flat colours (default: TEXTURE_SIZE).",
    ),
]


@dataclasses.dataclass(frozen=True)
class JobOptions:
    """The options ``generate`` and ``batch`` share, as typed (``None``: the setting's
    default). Written once here; :func:`_with_job_options` gives both commands these options."""

    writer: Writer = None
    model: Model = None
    backend: Backend = None
    formats: Formats = None
    out: Out = None
    seed: Seed = 0
    style: Style = None
    image: Image = None
    fallback: Fallback = None
    collision: Collision = None
    texture_size: TextureSize = None
    as_json: AsJson = False


def _with_job_options(command: Callable[..., None]) -> Callable[..., None]:
    """``command(..., opts: JobOptions)`` as a typer command with the options of
    :class:`JobOptions`, received as one ``opts``. In ``--help``: the command's arguments, the
    shared options, its own options, then ``--json``."""
    fields = dataclasses.fields(JobOptions)
    hints = typing.get_type_hints(JobOptions, include_extras=True)
    keyword = inspect.Parameter.KEYWORD_ONLY
    *shared, as_json = (
        inspect.Parameter(f.name, keyword, default=f.default, annotation=hints[f.name]) for f in fields
    )
    own = [
        p.replace(kind=keyword)
        for p in inspect.signature(command, eval_str=True).parameters.values()
        if p.name != "opts"
    ]
    arguments = [p for p in own if p.default is inspect.Parameter.empty]
    options = [p for p in own if p.default is not inspect.Parameter.empty]

    @functools.wraps(command)
    def run(**kwargs: object) -> None:
        opts = JobOptions(**{f.name: kwargs.pop(f.name) for f in fields})
        command(**kwargs, opts=opts)

    signature = inspect.Signature([*arguments, *shared, *options, as_json])
    run.__signature__ = signature  # type: ignore[attr-defined]  # what typer reads
    run.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
    return run


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


def _settings() -> Settings:
    """The settings in force, read once per command."""
    from core.config import get_settings

    return get_settings()


def _asset_dir(out: str | None, settings: Settings) -> Path:
    """``--out`` (checked: not empty, not a file, not too long) or the ASSET_DIR setting."""
    from core.config import check_asset_dir
    from core.errors import ConfigError

    if out is None:
        return settings.asset_dir
    try:
        return check_asset_dir(out, "--out")
    except ConfigError as e:
        raise _err(str(e), 2) from None


def _formats(formats: str | None, settings: Settings) -> list[str]:
    """``--formats`` as names (lower case, no dots), or the EXPORT_FORMATS setting."""
    if formats is None:
        return list(settings.export_formats)
    items = [f.strip().lower().lstrip(".") for f in formats.split(",") if f.strip()]
    if not items:
        raise _err("--formats is empty; give e.g. glb,obj,stl", 2)
    return items


def _check_looks(opts: JobOptions) -> None:
    """Refuse a bad ``--collision`` or ``--texture-size`` (exit code 2) before any job is made;
    the values travel in the :class:`~core.jobs.request.JobRequest` and its checkpoint."""
    from core.types import COLLISION_MODES, TEXTURE_SIZE_CHOICES

    if opts.collision is not None and opts.collision not in COLLISION_MODES:
        raise _err(f"--collision must be one of {', '.join(COLLISION_MODES)}", 2)
    if opts.texture_size is not None and opts.texture_size not in TEXTURE_SIZE_CHOICES:
        raise _err("--texture-size must be 512, 1024 or 2048 (0 for flat colours)", 2)


def _run_jobs(jobs: list[Job], as_json: bool) -> int:
    """Run jobs one after another with a rich progress bar on stderr, reporting each
    (:func:`_report`); returns the number that failed."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

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
            result = _run_one(job, progress, console)
            failures += result.status != "done"
            _report(job, result, console, as_json)
    return failures


def _run_one(job: Job, progress, console) -> JobResult:
    """Run ``job`` with a task in ``progress``; its result (``failed`` with the error when it
    stopped, even if an earlier run had finished it)."""
    from core.jobs.checkpoint import STEPS

    label = job.cp.inputs.description[:40]
    task = progress.add_task(label, total=len(STEPS), step="")
    try:
        for ev in job.run():
            done = STEPS.index(ev.step) + (ev.fraction if ev.kind != "skip" else 1.0)
            progress.update(task, completed=min(done, len(STEPS)), step=f"{ev.step}: {ev.message[:50]}")
        return job.result()
    except WorkbenchError as e:
        progress.update(task, step="[red]failed")
        console.print(
            f"[red]error:[/red] {job.job_id} ({label}): {_clip(e, MAX_ERROR_CHARS)}",
            markup=True,
            highlight=False,
            soft_wrap=True,
        )
        result = job.result()
        if result.status == "done":  # finished, yet unusable now: not a success
            result = result.model_copy(update={"status": "failed", "error": str(e)})
        return result


def _report(job: Job, result: JobResult, console, as_json: bool) -> None:
    """Warnings on stderr; the result as one JSON line on stdout (``--json``), or a ``done``
    line with the backend, fallbacks taken, costs and the asset's folder."""
    for w in result.warnings:
        console.print(f"[yellow]warning[/yellow] {job.job_id}: {w}", highlight=False)
    if as_json:
        sys.stdout.write(json.dumps(result.model_dump(mode="json")) + "\n")
        sys.stdout.flush()
    elif result.status == "done":
        for fb in result.fallbacks:
            console.print(f"[yellow]fell back[/yellow] from {fb['backend']}: {fb['error']}", highlight=False)
        cost = result.costs.summary()
        console.print(
            f"[green]done[/green] {result.asset_id} ({result.backend}"
            f"{'; ' + cost if cost else ''}) -> {Path(next(iter(result.files.values()))).parent}",
            highlight=False,
        )


def _job_requests(
    texts: list[str], opts: JobOptions, settings: Settings, template: str | None = None
) -> list[JobRequest]:
    """One checked request per text, every one before any job folder is made; a warning on
    stderr for each description that was cut. With ``template`` the spec is written here,
    offline, from that template.

    Raises
    ------
    WorkbenchError
        As :class:`~core.jobs.request.JobRequest`, or the image cannot be read.
    """
    from core.images import read_reference_image
    from core.jobs.request import JobRequest

    formats = _formats(opts.formats, settings)
    fallbacks = None if opts.fallback is None else [b.strip() for b in opts.fallback.split(",") if b.strip()]
    common = {
        "writer": opts.writer or settings.spec_writer,
        "model": opts.model,
        "backend": opts.backend or settings.generator,
        "fallbacks": fallbacks,
        "formats": formats,
        "seed": opts.seed,
        "style": opts.style,
        "reference_image": read_reference_image(opts.image) if opts.image is not None else None,
        "texture_size": opts.texture_size,
        "collision": opts.collision,
    }
    requests = []
    for text in texts:
        request = JobRequest(text, **common)
        for w in request.warnings:
            typer.echo(f"warning: {_clip(text, 40)}: {w}" if len(texts) > 1 else f"warning: {w}", err=True)
        requests.append(request)
    if template is None:
        return requests
    from core.spec.builtin import BuiltinSpecWriter

    with_specs = []
    for text, request in zip(texts, requests, strict=True):
        spec = BuiltinSpecWriter().write(text, style=opts.style, seed=opts.seed, template=template).spec
        spec.technical.export_formats = formats
        with_specs.append(dataclasses.replace(request, spec=spec))
    return with_specs


def _create_and_run(texts: list[str], opts: JobOptions, template: str | None = None) -> None:
    """Checkpoint one job per text (all before the first runs), then run them. With a remote
    store each job is shared as soon as it is created, so another machine's ``resume --all``
    finds the whole queue even if this process dies before reaching it."""
    from core.jobs.pipeline import Job

    _check_looks(opts)
    settings = _settings()
    asset_dir = _asset_dir(opts.out, settings)
    try:
        jobs = []
        for request in _job_requests(texts, opts, settings, template):
            job = Job.create(request, asset_dir=asset_dir, settings=settings)
            job.share()
            jobs.append(job)
    except WorkbenchError as e:
        raise _err(str(e)) from None
    if _run_jobs(jobs, opts.as_json):
        raise typer.Exit(1)


@app.command()
@_with_job_options
def generate(
    text: Annotated[str, typer.Argument(help='What to make, e.g. "elvish sword".')],
    template: Template = None,
    *,
    opts: JobOptions,
) -> None:
    """Generate one asset from a description (and a reference image with --image)."""
    _create_and_run([text], opts, template)


@app.command()
@_with_job_options
def batch(
    file: Annotated[Path, typer.Argument(help="Text file, one description per line.")],
    *,
    opts: JobOptions,
) -> None:
    """Generate one asset per line of FILE (blank lines and # comments skipped).

    Every job's checkpoint is written before the first one runs, so an interrupted batch is
    finished by ``resume --all``.
    """
    _create_and_run(_batch_lines(file), opts)


def _batch_lines(file: Path) -> list[str]:
    """The descriptions in ``file``: UTF-8, at most 10 MiB and 10,000 descriptions; blank
    lines and ``#`` comments skipped. Refusals are one-line errors (exit 1)."""
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
    return lines


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
    from core.jobs.pipeline import Job

    settings = _settings()
    asset_dir = _asset_dir(out, settings)
    if not job_ids and not all_jobs:
        raise _err("give a JOB_ID or --all", 2)
    unreadable: dict[str, str] = {}
    try:
        if all_jobs:
            jobs, unreadable = _unfinished_jobs(asset_dir, settings)
        else:
            jobs = [Job.open(j, asset_dir, settings) for j in job_ids or []]
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


def _unfinished_jobs(asset_dir: Path, settings: Settings) -> tuple[list[Job], dict[str, str]]:
    """Every job not done yet, opened; and ``{job id: why unreadable}`` for the rest.

    Raises
    ------
    StorageError
        The jobs folder or the store cannot be listed.
    """
    from core.jobs.pipeline import Job, scan_jobs

    found, unreadable = scan_jobs(asset_dir, settings=settings)
    jobs = []
    for cp in found:
        if cp.status == "done":
            continue
        try:
            jobs.append(Job.open(cp.job_id, asset_dir, settings))
        except WorkbenchError as e:  # changed or vanished since it was listed
            unreadable[cp.job_id] = str(e)
    return jobs, unreadable


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
    from core.assets import load_stored_spec
    from core.spec.edits import get_editor
    from core.storage import open_store

    settings = _settings()
    asset_dir = _asset_dir(out, settings)
    try:
        store = open_store(settings.asset_store, asset_dir)
        meta = store.get_metadata(asset_id)
        spec = load_stored_spec(store, asset_id)
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
    _apply_edit(meta, spec, proposal.spec, asset_dir, settings, as_json)


def _apply_edit(meta: dict, old, new, asset_dir: Path, settings: Settings, as_json: bool) -> None:
    """Generate the edited spec ``new`` as a new asset, with the backend that made the old one."""
    from core.jobs.pipeline import Job
    from core.jobs.request import JobRequest

    description, backend = meta.get("description"), meta.get("backend")
    try:
        request = JobRequest(
            description if isinstance(description, str) else old.short_description,
            spec=new,
            backend=backend if isinstance(backend, str) else "procedural",
            formats=[f.value for f in new.technical.export_formats],
        )
        job = Job.create(request, asset_dir=asset_dir, settings=settings)
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

    settings = _settings()
    asset_dir = _asset_dir(out, settings)
    try:
        store = open_store(settings.asset_store, asset_dir)
        assets = _asset_metadata(store.list_assets())
        jobs, unreadable = scan_jobs(asset_dir, settings=settings)
    except WorkbenchError as e:
        raise _err(str(e)) from None
    _report_unreadable(unreadable, "skipped")
    if as_json:
        for m in assets:
            row = {"type": "asset", "asset_id": m.asset_id, "name": m.name, "archetype": m.archetype}
            row |= {"created_at": m.created_at, "faces": m.stats.faces}
            sys.stdout.write(json.dumps(row) + "\n")
        for cp in jobs:
            done = [s for s, st in cp.steps.items() if st.status == "done"]
            row = {"type": "job", "job_id": cp.job_id, "asset_id": cp.asset_id, "status": cp.status}
            sys.stdout.write(json.dumps(row | {"steps_done": done, "error": cp.error}) + "\n")
        return
    typer.echo(f"{len(assets)} asset(s) in {store.location()}")
    for m in assets:
        typer.echo(f"  {m.asset_id:<48} {m.archetype or '':<15} {m.created_at[:19]}")
    typer.echo(f"{len(jobs)} job(s)")
    for cp in jobs:
        typer.echo(f"  {cp.job_id}  {cp.status:<11} {cp.asset_id}")


def _asset_metadata(listed: list[dict]) -> list[AssetMetadata]:
    """The listed ``metadata.json`` as :class:`~core.schemas.AssetMetadata`; one the model
    refuses is reported on stderr and skipped."""
    from pydantic import ValidationError

    from core.schemas import AssetMetadata

    assets = []
    for m in listed:
        try:
            assets.append(AssetMetadata.model_validate(m))
        except ValidationError as e:
            where = _clip(m.get("asset_id", "?") if isinstance(m, dict) else "?", 80)
            why = _clip(e.errors()[0]["msg"], 200)
            typer.echo(f"warning: skipped unreadable asset {where}: {why}", err=True)
    return assets


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

    writer = writer or _settings().spec_writer
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
        Path,
        typer.Option("--out", help=f"Mesh file; its extension picks the format ({format_help()})."),
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
    from core.errors import ConversionError
    from core.mesh import reconstruct_file
    from core.mesh.reconstruct_job import check_reconstruct_options

    try:
        check_reconstruct_options(out, faces, grid)
    except ConversionError as e:  # the message starts with the option's name
        raise _err(f"--{e}", 2) from None
    try:
        result = reconstruct_file(points, out, grid=grid, faces=faces, bake=bake)
    except WorkbenchError as e:
        raise _err(str(e)) from None
    except OSError as e:
        raise _err(f"cannot write {out}: {e.strerror or e}") from None
    if as_json:
        report = {
            "input_points": result.input_points,
            "colored": result.colored,
            "notes": result.notes,
            "files": [str(p.resolve()) for p in result.files],
            "stats": result.stats.model_dump(mode="json"),
            "seconds": result.seconds,
        }
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        for note in result.notes:
            typer.echo(f"note: {note}", err=True)
        st = result.stats
        typer.echo(
            f"{result.files[0]}: {st.faces} triangles, watertight={st.watertight}, "
            f"size {' x '.join(f'{v:.3f}' for v in st.size_m)} m, {result.seconds} s"
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
    from core.backends import capability_report

    for row in capability_report():
        mark = "ok " if row.available else "-- "
        typer.echo(f"{mark}{row.kind:<10} {row.name:<11} {row.reason}")


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

        configure_logging(settings=get_settings())
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
