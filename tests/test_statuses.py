"""The closed sets the database stores (statuses, roles) are the enums of bot/statuses.py and bot/roles.py: the
tables' CHECK constraints allow exactly their values, and rows come back as members, not bare strings."""

import re
from datetime import date

import pytest

from bot.planning import ListPeriod
from bot.roles import Role
from bot.statuses import ImportStatus, InspectionStatus, OutboxStatus, VisitListStatus
from tests.conftest import add_user

CHECKED = [
    ("inspections", "status", InspectionStatus),
    ("visit_lists", "status", VisitListStatus),
    ("imports", "status", ImportStatus),
    ("outbox", "status", OutboxStatus),
    ("users", "role", Role),
    ("invitations", "role", Role),
]


@pytest.mark.parametrize(("table", "column", "enum"), CHECKED, ids=[f"{t}.{c}" for t, c, _ in CHECKED])
async def test_a_table_allows_exactly_the_values_of_its_enum(db, table, column, enum):
    row = await db.fetch_one("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    allowed = re.search(rf"CHECK \({column} IN \(([^)]*)\)\)", row["sql"])
    assert allowed, f"{table}.{column} has no CHECK of its values"
    assert set(re.findall(r"'(\w+)'", allowed.group(1))) == {member.value for member in enum}


async def test_an_inspection_and_a_visit_list_come_back_with_their_status_as_a_member(db):
    await add_user(db, 7)
    inspection_id = await db.run(lambda r: r.inspections.create_draft(7, "v1", "ru", "subject_bin"))
    draft = await db.read(lambda r: r.inspections.get(inspection_id))
    assert draft.status is InspectionStatus.DRAFT and draft.is_draft
    await db.run(lambda r: r.inspections.cancel(inspection_id))
    assert (await db.read(lambda r: r.inspections.get(inspection_id))).status is InspectionStatus.CANCELLED
    assert await db.read(lambda r: r.inspections.count_by_status()) == {
        InspectionStatus.DRAFT: 0,
        InspectionStatus.FINALIZED: 0,
        InspectionStatus.CANCELLED: 1,
    }
    period = ListPeriod(2027, 1, date(2026, 12, 10))
    await db.run(lambda r: r.visit_lists.save_draft(period, [], 7))
    visit_list = await db.read(lambda r: r.visit_lists.get_list(2027, 1))
    assert visit_list.status is VisitListStatus.DRAFT and not visit_list.approved

    def approve_twice(r):
        return [r.visit_lists.approve(visit_list.id, 7, date(2026, 12, 1), False) for _ in range(2)]

    assert await db.run(approve_twice) == [True, False]  # once
    assert (await db.read(lambda r: r.visit_lists.get_list(2027, 1))).status is VisitListStatus.APPROVED


async def test_a_pending_import_is_decided_once_and_an_outbox_message_is_marked(db):
    await add_user(db, 7)
    import_id = await db.run(lambda r: r.imports.save_pending(7, "registry.csv", "subjects", [], {"add": 0}))
    assert (await db.read(lambda r: r.imports.get_pending(import_id))).status is ImportStatus.PENDING

    def decide_twice(r):
        return [r.imports.decide(import_id, status) for status in (ImportStatus.APPLIED, ImportStatus.CANCELLED)]

    assert await db.run(decide_twice) == [True, False]
    assert (await db.read(lambda r: r.imports.get_pending(import_id))).status is ImportStatus.APPLIED
    await db.run(lambda r: r.outbox.enqueue("k1", 7, "reminder", "text"))
    assert await db.read(lambda r: r.outbox.status_of("k1")) is OutboxStatus.PENDING
    [message] = await db.read(lambda r: r.outbox.due(10))
    assert await db.run(lambda r: [r.outbox.claim(message.id) for _ in range(2)]) == [True, False]
    await db.run(lambda r: r.outbox.mark_sent(message.id, 99))
    assert await db.read(lambda r: r.outbox.status_of("k1")) is OutboxStatus.SENT
    assert await db.read(lambda r: r.outbox.counts()) == {OutboxStatus.SENT: 1}
