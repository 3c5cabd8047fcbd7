"""The screens' Bot API calls (bot/screen_calls.py): aiogram's requests, Telegram's answer read for its id."""

from __future__ import annotations

import json

import pytest
from aiogram.client.session.base import BaseSession
from aiogram.methods import EditMessageReplyMarkup, EditMessageText, SendMessage
from aiogram.types import Message

from bot.screen_calls import EditScreen, RetireScreen, ScreenMessage, SendScreen
from bot.telegram_limits import keep_response_models
from bot.ui.callbacks import ItemAct, ItemAction
from bot.ui.keyboards import Buttons
from sandbox.recording import RecordingBot


def markup():
    keyboard = Buttons()
    for act in (ItemAct.COMPLIES, ItemAct.VIOLATED, ItemAct.BACK):
        keyboard.button(text=f"кнопка {act.value}", callback_data=ItemAction.data(7, 3, act))
    return keyboard.adjust(2).as_markup()


CALLS = [
    (SendScreen, SendMessage, {"chat_id": 5, "text": "<b>3/19</b> Талап", "reply_markup": markup()}),
    (EditScreen, EditMessageText, {"chat_id": 5, "message_id": 9, "text": "<b>3/19</b>", "reply_markup": markup()}),
    (RetireScreen, EditMessageReplyMarkup, {"chat_id": 5, "message_id": 9, "reply_markup": None}),
]


@pytest.mark.parametrize(("ours", "aiograms", "fields"), CALLS)
def test_a_screen_call_is_the_request_aiograms_method_makes(ours, aiograms, fields):
    bot = RecordingBot()
    session: BaseSession = bot.session
    assert ours.__api_method__ == aiograms.__api_method__
    ours_data = {k: session.prepare_value(v, bot=bot, files={}) for k, v in ours(**fields).model_dump().items()}
    theirs = {k: session.prepare_value(v, bot=bot, files={}) for k, v in aiograms(**fields).model_dump().items()}
    assert ours_data == theirs


def telegram_answer(method_name: str, message_id: int) -> str:
    """What Telegram answers a screen: the whole message, entities and buttons included."""
    message = {
        "message_id": message_id,
        "from": {"id": 42, "is_bot": True, "first_name": "Bot"},
        "chat": {"id": 5, "type": "private", "first_name": "Айгерім"},
        "date": 1764669600,
        "text": "3/19 Талап",
        "entities": [{"type": "bold", "offset": 0, "length": 4}],
        "reply_markup": json.loads(markup().model_dump_json(exclude_none=True)),
    }
    if method_name != "sendMessage":
        message["edit_date"] = 1764669601
    return json.dumps({"ok": True, "result": message})


@pytest.mark.parametrize(("ours", "aiograms", "fields"), CALLS)
def test_telegrams_answer_is_read_for_the_message_id_aiogram_reads(ours, aiograms, fields):
    bot = RecordingBot()
    content = telegram_answer(ours.__api_method__, 17)
    lean = bot.session.check_response(bot, ours(**fields), 200, content).result
    full = bot.session.check_response(bot, aiograms(**fields), 200, content).result
    assert isinstance(full, Message) and full.reply_markup is not None  # what the presenter no longer reads
    assert lean == ScreenMessage(message_id=full.message_id)


def test_an_edit_of_an_inline_message_answers_true_as_before():
    bot = RecordingBot()
    edit = EditScreen(inline_message_id="abc", text="x")
    assert bot.session.check_response(bot, edit, 200, '{"ok": true, "result": true}').result is True


def test_the_screens_answer_models_are_held_with_the_others():
    held = keep_response_models()
    for call in (SendScreen, EditScreen, RetireScreen):
        assert any(model.model_fields["result"].annotation == call.__returning__ | None for model in held), call
