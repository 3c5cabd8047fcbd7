"""The closed sets the database stores (statuses, roles) are the enums of bot/statuses.py and bot/roles.py: the
tables' CHECK constraints allow exactly their values, and rows come back as members, not bare strings."""

import re
from datetime import date

import pytest

from bot.db import imports as imports_repo
from bot.db import inspections as inspections_repo
from bot.db import visit_lists as lists_repo
from bot.db.outbox import OutboxRepository
from bot.planning import ListPeriod
from bot.roles import Role
from bot.statuses import ImportStatus, InspectionStatus, OutboxStatus, VisitListStatus
from tests.conftest import add_user

CHECKED = [("inspections", "status", InspectionStatus), ("visit_lists", "status", VisitListStatus),
           ("imports", "status", ImportStatus), ("outbox", "status", OutboxStatus), ("users", "role", Role),
           ("invitations", "role", Role)]


@pytest.mark.parametrize(("table", "column", "enum"), CHECKED, ids=[f"{t}.{c}" for t, c, _ in CHECKED])
async def test_a_table_allows_exactly_the_values_of_its_enum(db, table, column, enum):
    row = await db.fetch_one("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    allowed = re.search(rf"CHECK \({column} IN \(([^)]*)\)\)", row["sql"])
    assert allowed, f"{table}.{column} has no CHECK of its values"
    assert set(re.findall(r"'(\w+)'", allowed.group(1))) == {member.value for member in enum}


async def test_an_inspection_and_a_visit_list_come_back_with_their_status_as_a_member(db):
    await add_user(db, 7)
    async with db.transaction() as tx:
        inspection_id = await inspections_repo.create_draft(tx, 7, "v1", "ru", "subject_bin")
    draft = await inspections_repo.get(db, inspection_id)
    assert draft.status is InspectionStatus.DRAFT and draft.is_draft
    await db.run(inspections_repo.write_cancelled, inspection_id)
    assert (await inspections_repo.get(db, inspection_id)).status is InspectionStatus.CANCELLED
    assert await inspections_repo.count_by_status(db) == {InspectionStatus.DRAFT: 0, InspectionStatus.FINALIZED: 0,
                                                          InspectionStatus.CANCELLED: 1}
    period = ListPeriod(2027, 1, date(2026, 12, 10))
    async with db.transaction() as tx:
        await lists_repo.save_draft(tx, period, [], 7)
    visit_list = await lists_repo.get_list(db, 2027, 1)
    assert visit_list.status is VisitListStatus.DRAFT and not visit_list.approved
    async with db.transaction() as tx:
        assert await lists_repo.approve(tx, visit_list.id, 7, date(2026, 12, 1), False)
        assert not await lists_repo.approve(tx, visit_list.id, 7, date(2026, 12, 1), False)  # once
    assert (await lists_repo.get_list(db, 2027, 1)).status is VisitListStatus.APPROVED


async def test_a_pending_import_is_decided_once_and_an_outbox_message_is_marked(db):
    await add_user(db, 7)
    import_id = await imports_repo.save_pending(db, 7, "registry.csv", "subjects", [], {"add": 0})
    assert (await imports_repo.get_pending(db, import_id)).status is ImportStatus.PENDING
    async with db.transaction() as tx:
        assert await imports_repo.decide(tx, import_id, ImportStatus.APPLIED)
        assert not await imports_repo.decide(tx, import_id, ImportStatus.CANCELLED)
    assert (await imports_repo.get_pending(db, import_id)).status is ImportStatus.APPLIED
    outbox = OutboxRepository(db)
    await outbox.enqueue("k1", 7, "reminder", "text")
    assert await outbox.status_of("k1") is OutboxStatus.PENDING
    [message] = await outbox.due(10)
    assert await outbox.claim(message.id) and not await outbox.claim(message.id)
    await outbox.mark_sent(message.id, 99)
    assert await outbox.status_of("k1") is OutboxStatus.SENT
    assert await outbox.counts() == {OutboxStatus.SENT: 1}
