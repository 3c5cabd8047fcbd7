"""``Repos``: every repository over one connection, what a unit of work is given.

A service writes a unit of work as one synchronous function of ``Repos`` and hands it to the database,
which runs it in one call (bot/db/database.py)::

    def _cancel(r: Repos, user: User, inspection_id: int) -> Inspection:
        r.inspections.cancel(inspection_id)
        r.audit.add(user.telegram_id, "inspection.cancel", "inspection", inspection_id, {})
        return r.inspections.get(inspection_id)

    inspection = await db.run(_cancel, user, inspection_id)   # writes: one transaction, committed
    sheet = await db.read(lambda r: r.inspections.get(7))       # short reads by key: one snapshot
    rows = await db.call(lambda r: r.exports.registry())        # scans: on aiosqlite's thread

A repository is created on first use and kept with its connection (the database keeps one ``Repos`` per
connection of its own), so the hot path pays for no object per update.
"""

from __future__ import annotations

import sqlite3
from functools import cached_property

from bot.db.audit import AuditRepository
from bot.db.exports import ExportRepository
from bot.db.findings import FindingRepository
from bot.db.imports import ImportRepository
from bot.db.inbox import InboxRepository
from bot.db.inspections import InspectionRepository
from bot.db.menus import MenuRepository
from bot.db.outbox import OutboxRepository
from bot.db.proof import ProofRepository
from bot.db.remedies import RemedyRepository
from bot.db.reminders import ReminderRepository
from bot.db.risk_sources import RiskSourceRepository
from bot.db.stats import StatsRepository
from bot.db.subjects import SubjectRepository
from bot.db.users import UserRepository
from bot.db.visit_lists import VisitListRepository


class Repos:
    """The repositories of one connection. Inside :meth:`Database.run` every statement belongs to one
    transaction; inside :meth:`Database.read` or a :class:`Snapshot`, to one snapshot."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.conn = connection

    @cached_property
    def audit(self) -> AuditRepository:
        return AuditRepository(self.conn)

    @cached_property
    def exports(self) -> ExportRepository:
        return ExportRepository(self.conn)

    @cached_property
    def findings(self) -> FindingRepository:
        return FindingRepository(self.conn)

    @cached_property
    def imports(self) -> ImportRepository:
        return ImportRepository(self.conn)

    @cached_property
    def inbox(self) -> InboxRepository:
        return InboxRepository(self.conn)

    @cached_property
    def inspections(self) -> InspectionRepository:
        return InspectionRepository(self.conn)

    @cached_property
    def menus(self) -> MenuRepository:
        return MenuRepository(self.conn)

    @cached_property
    def outbox(self) -> OutboxRepository:
        return OutboxRepository(self.conn)

    @cached_property
    def proof(self) -> ProofRepository:
        return ProofRepository(self.conn)

    @cached_property
    def remedies(self) -> RemedyRepository:
        return RemedyRepository(self.conn)

    @cached_property
    def reminders(self) -> ReminderRepository:
        return ReminderRepository(self.conn)

    @cached_property
    def risk_sources(self) -> RiskSourceRepository:
        return RiskSourceRepository(self.conn)

    @cached_property
    def stats(self) -> StatsRepository:
        return StatsRepository(self.conn)

    @cached_property
    def subjects(self) -> SubjectRepository:
        return SubjectRepository(self.conn)

    @cached_property
    def users(self) -> UserRepository:
        return UserRepository(self.conn)

    @cached_property
    def visit_lists(self) -> VisitListRepository:
        return VisitListRepository(self.conn)
