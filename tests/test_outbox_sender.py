"""The outbox's sender when Telegram answers badly: 5xx and requests that never left are tried again;
a timeout (it may have arrived) is 'unknown' and never repeated; a 400 is 'failed'."""

from __future__ import annotations

import asyncio

from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage

from bot.outbox import OutboxSender
from bot.services.outbox import OutboxService
from sandbox.recording import RecordingBot


class FlakyBot(RecordingBot):
    """Raises the network errors queued for a chat on its sendMessage calls before answering normally."""

    def __init__(self) -> None:
        super().__init__()
        self.network_errors: dict[int, list[str]] = {}
        original = self.session.make_request

        async def make_request(bot, method, timeout=None):  # noqa: ASYNC109 - BaseSession's signature
            if isinstance(method, SendMessage) and self.network_errors.get(method.chat_id):
                self.session.requests.append(method)
                raise TelegramNetworkError(method=method, message=self.network_errors[method.chat_id].pop(0))
            return await original(bot, method, timeout)

        self.session.make_request = make_request


async def drain(db, bot) -> OutboxSender:
    sender = OutboxSender(bot, OutboxService(db), rate=1000, per_chat_interval=0, idle_wait=0.05, retry_base=0.01)
    task = asyncio.create_task(sender.run())
    for _ in range(300):
        row = await db.fetch_one("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
        if row[0] == 0:
            break
        await asyncio.sleep(0.01)
    sender.stop()
    await task
    return sender


def sends(bot, chat_id):
    return [r for r in bot.session.requests if isinstance(r, SendMessage) and r.chat_id == chat_id]


async def test_server_errors_and_refused_connections_are_tried_again_and_sent_once(db):
    outbox = OutboxService(db)
    bot = FlakyBot()
    bot.add_result_for(SendMessage, ok=False, error_code=502, description="Bad Gateway")
    bot.network_errors[1] = ["ClientConnectorError: Cannot connect to host api.telegram.org:443"]
    await outbox.enqueue("a:1", 1, "reminder", "hello")
    await drain(db, bot)
    assert len(sends(bot, 1)) == 3  # 502, refused, then delivered
    assert await outbox.status_of("a:1") == "sent"


async def test_a_timeout_leaves_the_delivery_unknown_and_it_is_not_repeated(db):
    outbox = OutboxService(db)
    bot = FlakyBot()
    bot.network_errors[2] = ["Request timeout error"]
    await outbox.enqueue("a:2", 2, "reminder", "hello")
    await outbox.enqueue("a:3", 3, "reminder", "<b>broken")
    bot.add_result_for(SendMessage, ok=False, error_code=400, description="Bad Request: can't parse entities")
    sender = await drain(db, bot)
    assert await outbox.status_of("a:2") == "unknown" and len(sends(bot, 2)) == 1
    assert await outbox.status_of("a:3") == "failed" and len(sends(bot, 3)) == 1
    assert sender.counters.unknown == 1 and sender.counters.failed == 1
