"""The Bot API calls that show a check sheet's screen, with Telegram's answer read for the one field used.

Telegram answers sendMessage and the edits with the whole message: its text, every entity of the HTML and
the screen's buttons. aiogram validates all of it into models (a ``MessageEntity`` per bold span, an
``InlineKeyboardButton`` per button, each with its own validators), about 85 us for an item screen against
10 us for the message id alone (tests/test_screen_calls.py holds the two readings equal where they overlap).
The presenter (bot/handlers/draft_screen.py) reads the id of a screen it sent and nothing of one it edited,
so these calls are the Bot API's own methods, the same requests, whose answer is read as
:class:`ScreenMessage`. Everything else the bot sends goes through aiogram's methods as they are.
"""

from __future__ import annotations

from aiogram.methods import EditMessageReplyMarkup, EditMessageText, SendMessage
from pydantic import BaseModel, ConfigDict


class ScreenMessage(BaseModel):
    """What the presenter reads of Telegram's answer to a screen: the message's id. The rest of the message
    is Telegram's copy of what the bot just sent."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    message_id: int


class SendScreen(SendMessage):
    """``sendMessage``, its answer read as :class:`ScreenMessage`."""

    __returning__ = ScreenMessage


class EditScreen(EditMessageText):
    """``editMessageText``, its answer read as :class:`ScreenMessage` (``True`` for an inline message)."""

    __returning__ = ScreenMessage | bool


class RetireScreen(EditMessageReplyMarkup):
    """``editMessageReplyMarkup`` that takes a screen's buttons away, its answer read as :class:`ScreenMessage`."""

    __returning__ = ScreenMessage | bool


SCREEN_CALLS = (SendScreen, EditScreen, RetireScreen)
