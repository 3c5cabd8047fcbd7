"""Webhook mode: the secret-token header is checked; a good update is handled like in polling."""

from aiohttp.test_utils import TestClient, TestServer

from bot.app import WEBHOOK_PATH, build_dispatcher, build_webhook_app, create_bot, prepare
from tests.e2e import settings_for

ADMIN = 1001
SECRET = "s3cret-Token_1"


def update(update_id: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_764_000_000,
            "chat": {"id": ADMIN, "type": "private"},
            "from": {"id": ADMIN, "is_bot": False, "first_name": "Admin"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def test_webhook_checks_the_secret_and_handles_updates(emu, tmp_path):
    settings = settings_for(
        emu, tmp_path / "bot.sqlite3", admin_ids=str(ADMIN), WEBHOOK_URL="https://bot.example.kz", WEBHOOK_SECRET=SECRET
    )
    services = await prepare(settings)
    bot = create_bot(settings.bot_token.get(), settings.telegram_api_url)
    app = build_webhook_app(settings, bot, build_dispatcher(services, isolate_senders=True))
    emu.send_text(ADMIN, "hello")  # the chat exists for the emulator (Telegram knows chats that wrote)
    async with TestClient(TestServer(app)) as client:
        wrong = await client.post(
            WEBHOOK_PATH, json=update(1, "/help"), headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        )
        assert wrong.status == 401
        missing = await client.post(WEBHOOK_PATH, json=update(2, "/help"))
        assert missing.status == 401
        assert emu.calls_of("sendMessage") == []
        good = await client.post(
            WEBHOOK_PATH, json=update(3, "/help"), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert good.status == 200
        assert "/invite" in emu.last_message(ADMIN)["text"]  # the admin's help, sent through the API
        health = await client.get("/health")
        assert await health.text() == "ok"
    await services.db.close()
