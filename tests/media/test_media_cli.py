"""``cliffhanger media probe|package|synth`` through Typer's test runner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import m3u8
from typer.testing import CliRunner

from cliffhanger.media.cli import EXIT_REJECTED, app

runner = CliRunner()


def test_probe_json_describes_an_accepted_master(master_360: Path) -> None:
    result = runner.invoke(app, ["probe", "--json", str(master_360)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["accepted"] is True and payload["rejection"] is None
    assert (payload["info"]["width"], payload["info"]["height"]) == (360, 640)


def test_probe_exits_2_with_the_reason(make_master: Callable[..., Path]) -> None:
    square = make_master("square.mp4", width=640, height=640, duration_s=2.0)
    result = runner.invoke(app, ["probe", str(square)])
    assert result.exit_code == EXIT_REJECTED == 2
    assert "not_portrait_9x16" in result.output
    assert "9:16 portrait" in result.output

    as_json = runner.invoke(app, ["probe", "--json", str(square)])
    assert as_json.exit_code == 2
    payload = json.loads(as_json.stdout)
    assert payload["rejection"]["code"] == "not_portrait_9x16"
    assert payload["info"]["width"] == 640


def test_package_encrypts_and_keeps_the_key_beside_the_folder(
    tmp_path: Path, master_360: Path
) -> None:
    out = tmp_path / "ep1"
    result = runner.invoke(app, ["package", "--encrypt", str(master_360), str(out)])
    assert result.exit_code == 0, result.output
    assert "360p" in result.stdout and "real time" in result.stdout
    key_file = tmp_path / "ep1.key"
    assert len(key_file.read_bytes()) == 16
    assert not list(out.rglob("*.key"))
    assert m3u8.load(str(out / "360p" / "index.m3u8")).segments[0].key.method == "AES-128"

    again = runner.invoke(app, ["package", "--encrypt", str(master_360), str(tmp_path / "ep2"),
                                "--key-file", str(key_file)])  # fmt: skip
    assert again.exit_code == 1 and "already exists" in again.output
    assert not (tmp_path / "ep2").exists()


def test_synth_writes_a_valid_master(tmp_path: Path) -> None:
    out = tmp_path / "synthetic.mp4"
    result = runner.invoke(app, ["synth", str(out), "--duration", "10", "--size", "180x320",
                                 "--tone", "0"])  # fmt: skip
    assert result.exit_code == 0, result.output
    probed = runner.invoke(app, ["probe", "--json", str(out)])
    assert probed.exit_code == 0, probed.output
    info = json.loads(probed.stdout)["info"]
    assert (info["width"], info["height"], info["has_audio"]) == (180, 320, False)
    assert not list(tmp_path.glob(".*partial*"))
