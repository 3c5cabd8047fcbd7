"""/verify: a PDF sent back (with the caption /verify, or after the command) is matched to a finalized sheet."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.db.users import User
from bot.services.proof import MAX_DOWNLOAD_BYTES, VERIFY_WAIT, ProofService, VerifyOutcome
from bot.texts import Texts


async def ask_for_pdf(message: Message, user: User, t: Texts, proof: ProofService) -> None:
    await proof.expect_pdf(user.telegram_id)
    await message.answer(t("verify_ask", minutes=int(VERIFY_WAIT.total_seconds() // 60)))


async def verify_pdf(message: Message, bot: Bot, user: User, t: Texts, proof: ProofService) -> None:
    document = message.document
    verified = await proof.verify(
        bot, user.telegram_id, document.file_id, document.file_size, document.file_name, document.mime_type
    )
    if verified.outcome == VerifyOutcome.MATCH:
        text = t("verify_match", m=verified.match, finalized=verified.match.finalized_at)
    elif verified.outcome == VerifyOutcome.NO_MATCH:
        text = t("verify_no_match", sha256=verified.sha256)
    elif verified.outcome == VerifyOutcome.TOO_BIG:
        text = t("verify_too_big", limit_mb=MAX_DOWNLOAD_BYTES // (1024 * 1024))
    elif verified.outcome == VerifyOutcome.NOT_PDF:
        text = t("verify_not_pdf")
    else:
        text = t("verify_unreadable")
    await message.answer(text)


async def awaiting_pdf(message: Message, proof: ProofService, user: User | None = None) -> bool:
    """A document from someone who sent /verify alone a moment ago."""
    return user is not None and await proof.expects_pdf(user.telegram_id)


def build_router() -> Router:
    router = Router(name="verify")
    router.message.register(verify_pdf, F.document, Command("verify"))
    router.message.register(ask_for_pdf, Command("verify"))
    router.message.register(verify_pdf, F.document, awaiting_pdf)
    return router
