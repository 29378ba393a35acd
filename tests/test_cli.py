"""The `cliffhanger` command line, run as a user would run it (a real process per call)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from cliffhanger.kit.runtime import Runtime
from cliffhanger.ledger import service as ledger
from cliffhanger.ledger.models import LedgerAccount, LotKind


def _cli(rt: Runtime, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIFFHANGER_")}
    env["CLIFFHANGER_DATA_DIR"] = str(rt.settings.resolved_data_dir)
    env["CLIFFHANGER_SECRET_KEY"] = rt.settings.secret_key or ""
    if rt.settings.database_url:
        env["CLIFFHANGER_DATABASE_URL"] = rt.settings.database_url
    return subprocess.run(
        [sys.executable, "-m", "cliffhanger.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_org_create_prints_a_working_key_once(rt):
    result = _cli(rt, "org", "create", "Moonlight Studio")
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("chk_")
    from cliffhanger.accounts import service as accounts
    from cliffhanger.accounts.models import ApiKey

    with rt.db.session() as session:
        assert accounts.authenticate_api_key(session, key).name == "Moonlight Studio"
        stored = session.scalars(select(ApiKey)).all()
        assert len(stored) == 1 and key.split("_", 2)[2] not in stored[0].secret_hash
    empty = _cli(rt, "org", "create", "   ")
    assert empty.returncode == 2 and "name" in empty.stderr


def test_ledger_verify_exits_non_zero_on_a_mismatch(rt):
    from cliffhanger.accounts import service as accounts

    with rt.db.session() as session:
        viewer, _ = accounts.create_viewer(session, rt.settings.signing_key)
        ledger.grant_coins(session, viewer.id, 500, lot_kind=LotKind.paid, key="grant-1")
    ok = _cli(rt, "ledger", "verify")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    with rt.db.session() as session:
        acc = session.scalar(
            select(LedgerAccount).where(
                LedgerAccount.owner_id == viewer.id,
                LedgerAccount.balance.is_not(None),
                LedgerAccount.balance > 0,
            )
        )
        assert acc is not None
        acc.balance = acc.balance + 1  # a cached balance that no longer matches the journal
    bad = _cli(rt, "ledger", "verify")
    assert bad.returncode == 1
    assert "cached balance" in bad.stderr


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=False)
def test_db_check_reports_models_and_migrations_agree(rt):
    result = _cli(rt, "db", "check")
    assert result.returncode == 0, result.stderr
    assert "agree" in result.stdout


def test_media_probe_rejects_a_non_media_file(rt, tmp_path):
    bogus = tmp_path / "clip.mp4"
    bogus.write_text("not a video")
    result = _cli(rt, "media", "probe", str(bogus))
    assert result.returncode == 2
    assert "not" in (result.stdout + result.stderr).lower()
