"""The import service on a real SQLite file: one transaction, classification at apply time, ownership."""

from __future__ import annotations

import pytest

from bot.db.imports import ImportRepository
from bot.services.importing import ImportService
from tests.conftest import BIN_A, BIN_B, TODAY, add_user

FINDINGS = (
    f"bin;name;criterion;result;date;source\n"
    f"{BIN_A};ТОО «Север»;21;violated;2026-03-15;жалоба\n"
    f"{BIN_B};ИП Юг;22;complies;2026-03-15;жалоба\n"
).encode()


async def counts(db) -> tuple[int, int]:
    subjects = (await db.fetch_one("SELECT count(*) FROM subjects"))[0]
    findings = (await db.fetch_one("SELECT count(*) FROM findings"))[0]
    return subjects, findings


async def test_a_failure_half_way_through_apply_leaves_nothing_written(db, catalogue, monkeypatch):
    admin = await add_user(db, 1, "admin")
    service = ImportService(db, catalogue, today=lambda: TODAY)
    preview = await service.preview(admin, "f.csv", FINDINGS)
    assert preview.counts == {"add": 2, "update": 0, "unchanged": 0, "rejected": 0, "subjects": 2}

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ImportRepository, "add_findings", broken)
    with pytest.raises(RuntimeError):
        await service.apply(admin, preview.import_id)
    assert await counts(db) == (0, 0)  # the subjects the file creates went back too
    assert (await db.fetch_one("SELECT status FROM imports WHERE id = ?", (preview.import_id,)))[0] == "pending"
    assert not await db.fetch_all("SELECT 1 FROM audit_log WHERE action = 'import.apply'")

    monkeypatch.undo()
    outcome = await service.apply(admin, preview.import_id)
    assert outcome.applied and outcome.counts["add"] == 2 and await counts(db) == (2, 2)


async def test_apply_classifies_against_what_is_stored_then_and_only_its_author_may_apply(db, catalogue):
    admin, other = await add_user(db, 1, "admin"), await add_user(db, 2, "supervisor")
    service = ImportService(db, catalogue, today=lambda: TODAY)
    first = await service.preview(admin, "f.csv", FINDINGS)
    second = await service.preview(other, "f.csv", FINDINGS)
    assert await service.apply(other, first.import_id) is None  # not theirs
    assert (await service.apply(admin, first.import_id)).counts["add"] == 2
    # The other person's preview said "add 2"; by the time they apply, the records are there: unchanged.
    outcome = await service.apply(other, second.import_id)
    assert outcome.counts["unchanged"] == 2 and outcome.counts["add"] == 0 and await counts(db) == (2, 2)
    again = await service.apply(other, second.import_id)
    assert again.applied is False and await counts(db) == (2, 2)
    assert not await service.cancel(other, second.import_id)
