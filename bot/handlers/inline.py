"""Inline look-up: ``@bot 990340`` or ``@bot Ақ жол`` in any chat, for active staff only.

Up to 10 subjects, each with its indicator, class and last visit; choosing one posts the subject's card.
The answer is personal and never cached (cache_time 0): a revoked person gets nothing from a cache.
Strangers and revoked people are answered in bot/middlewares.py (no results, a button to the bot).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import InlineQuery, InlineQueryResultArticle, InputTextMessageContent

from bot.handlers.lookup import fitted_card
from bot.limits import MAX_MESSAGE_TEXT
from bot.scoring.engine import display
from bot.services.assessment import AssessmentService
from bot.services.reports import ReportService
from bot.texts import Texts

MAX_RESULTS = 10


async def inline_lookup(
    inline_query: InlineQuery, t: Texts, assessment: AssessmentService, reports: ReportService
) -> None:
    results = []
    for subject in await assessment.search(inline_query.query, MAX_RESULTS):
        found = await assessment.of_bin(subject.bin)
        if found is None:
            continue
        result = found.risk.result
        latest = found.history[0] if found.history else None
        text = fitted_card(t, found, reports)
        if len(text) > MAX_MESSAGE_TEXT:  # a long history: the card without it still says what matters
            text = t("subject_card_short", subject=found.subject)
        results.append(
            InlineQueryResultArticle(
                id=subject.bin,
                title=f"{subject.name} · {subject.bin}",
                description=t.plain(
                    "inline_description",
                    indicator=str(display(result.indicator)) if result else None,
                    klass=result.risk_class.value if result else None,
                    last_visit=latest.finalized_at if latest else None,
                ),
                input_message_content=InputTextMessageContent(message_text=text, parse_mode="HTML"),
            )
        )
    await inline_query.answer(results, is_personal=True, cache_time=0)


def build_router() -> Router:
    router = Router(name="inline")
    router.inline_query.register(inline_lookup)
    return router
