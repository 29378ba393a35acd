"""The `cliffhanger` command: serve, worker, demo, db, org, media, ledger."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cliffhanger.kit.config import Settings

app = typer.Typer(
    help="Cliffhanger: the engine for vertical mini-drama series.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations (studios and brands).", no_args_is_help=True)
ledger_app = typer.Typer(help="The coin ledger.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(ledger_app, name="ledger")

console = Console()
err = Console(stderr=True)


def _media_app() -> typer.Typer:
    from cliffhanger.media.cli import app as media_app

    return media_app


app.add_typer(_media_app(), name="media", help="Probe and package media files.")


def _settings(host: str | None = None, port: int | None = None) -> Settings:
    settings = Settings()
    if host is not None:
        settings.host = host
    if port is not None:
        settings.port = port
    return settings


def _runtime(settings: Settings, *, migrate: bool = True):  # type: ignore[no-untyped-def]
    from cliffhanger import migrate as migrations
    from cliffhanger.kit.runtime import Runtime, install

    rt = install(Runtime.build(settings))
    if migrate:
        migrations.upgrade(rt.db.engine)
    return rt


def _serve(settings: Settings) -> None:
    import uvicorn

    from cliffhanger.app import create_app

    rt = _runtime(settings)
    application = create_app(runtime=rt)
    mode = "embedded" if not settings.queue_is_redis else "scale-out (run `cliffhanger worker`)"
    console.print(
        f"[bold]Cliffhanger[/] serving on http://{settings.host}:{settings.port}  "
        f"[dim]{mode}; data in {settings.resolved_data_dir}[/]"
    )
    uvicorn.run(application, host=settings.host, port=settings.port, log_level="info")


@app.command()
def serve(
    host: str = typer.Option(
        None, help="Interface to bind (default CLIFFHANGER_HOST or 127.0.0.1)."
    ),
    port: int = typer.Option(None, help="Port (default CLIFFHANGER_PORT or 8000)."),
) -> None:
    """Serve the viewer app, the API and (in embedded mode) the queue consumer threads."""
    _serve(_settings(host, port))


@app.command()
def worker(
    workers: int = typer.Option(2, min=1, max=64, help="Worker threads in this process."),
) -> None:
    """Run queue workers in this process (scale-out mode, Huey on Redis; also works on SQLite)."""
    settings = _settings()
    rt = _runtime(settings)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    console.print(f"[bold]Cliffhanger worker[/] with {workers} threads")
    rt.queue.consumer(workers, embedded=False).run()


@app.command()
def demo(
    host: str = typer.Option(None, help="Interface to bind."),
    port: int = typer.Option(None, help="Port."),
    episodes: int = typer.Option(6, min=1, max=8, help="Episodes in the demo series."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Seed the demo season, then exit."),
) -> None:
    """Create a demo studio and season (generated locally, no network), then serve it."""
    from cliffhanger.demo import seed_demo

    settings = _settings(host, port)
    rt = _runtime(settings)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        bar = progress.add_task("Preparing the demo season", total=1.0)

        def on_step(message: str, fraction: float) -> None:
            progress.update(bar, description=message, completed=fraction)

        result = seed_demo(rt, episode_count=episodes, on_step=on_step)
    console.print(
        f"Demo series [bold]{result.series_id}[/] with {len(result.episode_ids)} episodes "
        f"({'created' if result.created else 'reused'})."
    )
    if result.api_key:
        console.print(
            f"Demo studio API key (shown once, also in demo-api-key.txt): {result.api_key}"
        )
    if not no_serve:
        rt.close()
        _serve(settings)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to the configured database."""
    settings = _settings()
    _runtime(settings)
    console.print(f"database at head: {settings.db_url.split('@')[-1]}")


@db_app.command("check")
def db_check() -> None:
    """Migrate an empty scratch database and fail if the models and migrations differ."""
    from cliffhanger import migrate as migrations
    from cliffhanger.kit.db import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=None)
        engine = make_engine(settings)
        migrations.upgrade(engine)
        diff = migrations.drift(engine)
        engine.dispose()
    if diff:
        err.print("[red]models and migrations differ:[/]")
        for d in diff:
            err.print(f"  {d}")
        raise typer.Exit(1)
    console.print("models and migrations agree")


@db_app.command("revision")
def db_revision(message: str = typer.Argument(..., help="What the migration does.")) -> None:
    """Autogenerate a migration from the models (against a scratch database at head)."""
    from cliffhanger import migrate as migrations
    from cliffhanger.kit.db import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=None)
        engine = make_engine(settings)
        migrations.upgrade(engine)
        engine.dispose()
        migrations.revision(settings.db_url, message)


@org_app.command("create")
def org_create(name: str = typer.Argument(..., help="The organisation's name.")) -> None:
    """Create an organisation and print its API key (shown once; stored hashed)."""
    from cliffhanger.accounts import service as accounts
    from cliffhanger.kit.errors import DomainError

    rt = _runtime(_settings())
    try:
        with rt.db.session() as session:
            org, key = accounts.create_organisation(session, name)
    except DomainError as exc:
        err.print(f"[red]{exc.detail}[/]")
        raise typer.Exit(2) from exc
    console.print(f"organisation {org.id} ({org.name})")
    console.print("API key (shown once, keep it safe):")
    print(key)


@ledger_app.command("verify")
def ledger_verify() -> None:
    """Replay the journal and check every ledger invariant; exits 1 on any violation."""
    from cliffhanger.finance.verify import verify_ledger

    rt = _runtime(_settings())
    with rt.db.session() as session:
        problems = verify_ledger(session)
    if problems:
        for p in problems:
            err.print(f"[red]✗[/] {p}")
        err.print(f"[red]{len(problems)} ledger invariant violations[/]")
        raise typer.Exit(1)
    console.print("[green]✓[/] ledger sound: journal replay matches every balance and invariant")


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    app()


if __name__ == "__main__":
    main()
