"""Follow-up on violations (issue 14 item 4): the open items of a subject, and "remedied" records.

Deadlines are set on a draft's violated items (InspectionService) and become open items at
finalization; a later finalized sheet that finds the requirement complying closes them there. Here: the
open items a card lists, and the "remedied" record (the reminder's button), audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.database import Database
from bot.db.remedies import Remedy
from bot.db.repos import Repos
from bot.db.users import User
from bot.roles import may_act_on


@dataclass(frozen=True, slots=True)
class RemedyOutcome:
    remedy: Remedy | None
    closed: bool  # closed now by this record
    allowed: bool = True


class FollowUpService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def open_items(self, bin_: str) -> list[Remedy]:
        return await self._db.read(lambda r: r.remedies.open_of_subject(bin_))

    async def remedied(self, user: User, remedy_id: int) -> RemedyOutcome:
        """Record that a violation was remedied: its sheet's inspector, or staff above the inspectors."""
        return await self._db.run(self._remedied_work, user, remedy_id)

    def _remedied_work(self, r: Repos, user: User, remedy_id: int) -> RemedyOutcome:
        remedy = r.remedies.get(remedy_id)
        if remedy is None:
            return RemedyOutcome(None, False)
        if not may_act_on(user.role, user.telegram_id, remedy.inspector_id):
            return RemedyOutcome(remedy, False, allowed=False)
        if not r.remedies.close_remedied(remedy_id, user.telegram_id):
            return RemedyOutcome(remedy, False)  # closed already (a second tap, or a later sheet)
        r.audit.add(
            user.telegram_id,
            "remedy.close",
            "remedy",
            remedy_id,
            {"how": "remedied", "item": remedy.item, "sheet": remedy.inspection_id},
        )
        return RemedyOutcome(r.remedies.get(remedy_id), True)
