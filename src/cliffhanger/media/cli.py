"""``cliffhanger media ...``: probe a master, package it into HLS from the command line.

Mounted by the main CLI; it only calls the media package's public functions.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import m3u8
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from cliffhanger.media.aes import new_content_key
from cliffhanger.media.errors import FFmpegFailed, MediaRejected, PackagingFailed
from cliffhanger.media.package import PackageResult, package_master
from cliffhanger.media.probe import MediaInfo, probe, validate_master
from cliffhanger.media.synthetic import make_synthetic_master

app = typer.Typer(
    help="Probe episode masters and package them into encrypted HLS ladders.", no_args_is_help=True
)

# Exit status for a master we refuse (distinct from 1, a failure of ours or of ffmpeg).
EXIT_REJECTED = 2

_out = Console(soft_wrap=True)  # messages wrap in the terminal, not mid-path
_err = Console(stderr=True, soft_wrap=True)


def _info_table(info: MediaInfo, title: str) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for field, value in asdict(info).items():
        table.add_row(field, str(value))
    return table


@app.command("probe")
def probe_command(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="Media file to inspect."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Describe FILE and check it can be an episode master (exit 2 if it cannot)."""
    info: MediaInfo | None = None
    try:
        info = probe(file)
        validate_master(file)
    except MediaRejected as rejection:
        if as_json:
            payload = {"code": rejection.code.value, "message": rejection.message}
            _out.print_json(
                json.dumps({"accepted": False, "rejection": payload, "info": info and asdict(info)})
            )
        else:
            if info is not None:
                _out.print(_info_table(info, str(file)))
            _err.print(f"[bold red]Rejected ({rejection.code.value}):[/] {rejection.message}")
        raise typer.Exit(EXIT_REJECTED) from None
    if as_json:
        _out.print_json(json.dumps({"accepted": True, "rejection": None, "info": asdict(info)}))
    else:
        _out.print(_info_table(info, str(file)))
        _out.print("[green]Accepted as an episode master.[/]")


def _ladder_table(result: PackageResult, out_dir: Path) -> Table:
    master = m3u8.load(str(out_dir / result.master_playlist))
    measured = {p.uri.split("/")[0]: p.stream_info for p in master.playlists}
    table = Table(title=f"HLS ladder in {out_dir} (bit rates in kbit/s)")
    for column in ("rung", "size", "video cap", "audio", "codecs", "peak", "average"):
        table.add_column(column, no_wrap=True)
    for rung in result.rungs:
        info = measured.get(rung.name)
        table.add_row(
            rung.name,
            f"{rung.width}x{rung.height}",
            f"{rung.video_maxrate_kbps}k",
            f"{rung.audio_kbps}k",
            info.codecs if info is not None else "?",
            f"{info.bandwidth / 1000:.0f}k" if info is not None else "?",
            f"{info.average_bandwidth / 1000:.0f}k"
            if info is not None and info.average_bandwidth
            else "?",
        )
    return table


@app.command("package")
def package_command(
    input_path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="Episode master.")
    ],
    out_dir: Annotated[Path, typer.Argument(file_okay=False, help="New (or empty) output folder.")],
    encrypt: Annotated[
        bool, typer.Option("--encrypt/--no-encrypt", help="AES-128 encrypt the segments.")
    ] = False,
    key_file: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the content key when encrypting (default: OUT_DIR.key, beside it)."
        ),
    ] = None,
) -> None:
    """Package INPUT into an HLS ladder with a poster in OUT_DIR."""
    key = new_content_key() if encrypt else None
    key_destination = key_file or out_dir.with_name(out_dir.name + ".key")
    if key is not None and key_destination.exists():
        # Checked first: finding out after a long encode would leave segments nobody can decrypt.
        _err.print(f"[bold red]{key_destination} already exists;[/] choose another --key-file.")
        raise typer.Exit(1)
    started = time.monotonic()
    columns = (
        TextColumn("[bold]packaging"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=_err) as progress:
            task = progress.add_task("package", total=1.0)
            result = package_master(
                input_path,
                out_dir,
                key=key,
                on_progress=lambda fraction: progress.update(task, completed=fraction),
            )
    except MediaRejected as rejection:
        _err.print(f"[bold red]Rejected ({rejection.code.value}):[/] {rejection.message}")
        raise typer.Exit(EXIT_REJECTED) from None
    except FFmpegFailed as failure:
        _err.print(f"[bold red]ffmpeg failed:[/] {failure}\n{failure.stderr_tail}")
        raise typer.Exit(1) from None
    except (PackagingFailed, FileExistsError) as failure:
        _err.print(f"[bold red]Packaging failed:[/] {failure}")
        raise typer.Exit(1) from None
    wall_s = time.monotonic() - started

    _out.print(_ladder_table(result, out_dir))
    _out.print(
        f"{len(result.files)} files, {result.duration_s:.1f} s of video packaged in {wall_s:.1f} s "
        f"({result.duration_s / wall_s:.2f}x real time)."
    )
    if key is not None:
        # The key belongs in the database; the CLI keeps it beside (never inside) the package.
        key_destination.touch(mode=0o600, exist_ok=False)
        key_destination.write_bytes(key)
        _out.print(
            f"Encrypted. Content key written to {key_destination} "
            "(keep it out of the published folder)."
        )


@app.command("synth")
def synth_command(
    out_path: Annotated[Path, typer.Argument(dir_okay=False, help="MP4 file to write.")],
    title: Annotated[
        str, typer.Option(help="Text drawn on the picture.")
    ] = "Cliffhanger - Episode 1",
    duration: Annotated[float, typer.Option(help="Length in seconds.")] = 20.0,
    size: Annotated[str, typer.Option(help="WIDTHxHEIGHT.")] = "1080x1920",
    tone: Annotated[float, typer.Option(help="Sine tone in Hz; 0 for no audio stream.")] = 440.0,
    fps: Annotated[int, typer.Option(help="Frames per second.")] = 30,
    grain: Annotated[int, typer.Option(help="Temporal noise 0-100 (makes the encoder work).")] = 0,
) -> None:
    """Generate a test master (moving pattern, title, tone) without any footage."""
    try:
        width, height = (int(part) for part in size.lower().split("x"))
    except ValueError:
        raise typer.BadParameter("use WIDTHxHEIGHT, e.g. 1080x1920", param_hint="--size") from None
    with Progress(
        TextColumn("[bold]generating"), BarColumn(), TaskProgressColumn(), console=_err
    ) as progress:
        task = progress.add_task("synth", total=1.0)
        make_synthetic_master(
            out_path,
            title=title,
            duration_s=duration,
            width=width,
            height=height,
            tone_hz=tone or None,
            fps=fps,
            grain=grain,
            on_progress=lambda fraction: progress.update(task, completed=fraction),
        )
    _out.print(f"Wrote {out_path}.")
