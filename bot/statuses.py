"""The statuses of what the bot stores, each a closed set. The values are the strings the tables keep (their
CHECK constraints in bot/db/migrations list the same ones): a member is written and compared as it is, and
``Status(row["status"])`` reads one back. Pure: the repositories, services and handlers all import it.
"""

from __future__ import annotations

from enum import StrEnum


class InspectionStatus(StrEnum):
    """A check sheet (тексеру парағы): filled in, finished, or given up."""

    DRAFT = "draft"  # at most one per inspector (a partial unique index)
    FINALIZED = "finalized"  # scored and never changed again (a trigger refuses updates)
    CANCELLED = "cancelled"


class VisitListStatus(StrEnum):
    """A half-year visit list (chapter 4, item 11): drawn, then approved by the head or the acting head."""

    DRAFT = "draft"
    APPROVED = "approved"


class ImportStatus(StrEnum):
    """A table import: /import waits for a file, its preview waits for apply or cancel, then it is decided."""

    AWAITING = "awaiting"  # /import was sent; the person's next table within the hour is the file
    PENDING = "pending"  # previewed, waiting for apply or cancel
    APPLIED = "applied"
    CANCELLED = "cancelled"


class OutboxStatus(StrEnum):
    """A message the bot sends on its own (bot/outbox.py)."""

    PENDING = "pending"  # due at not_before
    SENDING = "sending"  # handed to Telegram; a crash here leaves it UNKNOWN at the next start
    SENT = "sent"
    FAILED = "failed"  # given up after the attempts, or refused by Telegram
    UNKNOWN = "unknown"  # interrupted between sending and marking: never sent twice
    UNREACHABLE = "unreachable"  # the person blocked the bot or deleted the account
