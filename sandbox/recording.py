"""A network-free aiogram session for fast handler tests and benchmarks.

In the spirit of aiogram's own ``tests/mocked_bot.py``: :class:`RecordingSession` records every
API method object the bot calls and answers it without any I/O, either with a plausible successful
result built for that method (``sendMessage`` -> a ``Message`` with an increasing ``message_id`` in
the right chat, ``answerCallbackQuery`` -> ``True``, ...) or with a result/error queued by the test::

    bot = RecordingBot()
    bot.add_result_for(SendMessage, ok=False, error_code=400, description="Bad Request: message is too long")
    with pytest.raises(TelegramBadRequest):
        await dp.feed_update(bot, message_update("/start"))
    assert isinstance(bot.get_request(), SendMessage)

Every answer goes through aiogram's real ``BaseSession.check_response``, so results are real aiogram
types bound to the bot and errors are aiogram's real exceptions (``TelegramBadRequest``,
``TelegramRetryAfter``, ...).  With ``strict=True`` the session also applies the emulator's
Telegram-like validation (HTML parsing, length limits, callback_data size, ...).
"""

from __future__ import annotations

import itertools
import mimetypes
import time
import zlib
from collections import defaultdict, deque
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_origin

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.types import BufferedInputFile, FSInputFile, InputFile, Message, Update, User

from .emulator import MAX_CALLBACK_ANSWER_LENGTH, ApiError, format_text, parse_reply_markup
from .html_check import FormattedText, utf16_len

__all__ = ["RecordingBot", "RecordingSession", "as_client_reads", "callback_update", "message_update"]

_DEFAULT_BOT_NAME = "Test Bot"
_DEFAULT_BOT_USERNAME = "test_bot"


@dataclass(frozen=True)
class _Prepared:
    ok: bool
    result: Any
    error_code: int
    description: str | None
    retry_after: int | None
    migrate_to_chat_id: int | None

    def payload(self) -> tuple[int, dict[str, Any]]:
        if self.ok:
            return 200, {"ok": True, "result": _jsonable(self.result)}
        parameters = {
            key: value
            for key, value in (
                ("retry_after", self.retry_after),
                ("migrate_to_chat_id", self.migrate_to_chat_id),
            )
            if value is not None
        }
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description or "",
        }
        if parameters:
            body["parameters"] = parameters
        return self.error_code, body


def _jsonable(value: Any) -> Any:
    """aiogram objects -> plain JSON data (by alias, without None), recursively."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


def as_client_reads(result: Any) -> Any:
    """A result of Telegram's answer as a client of the chat reads it: a message (a dict with a chat) as
    aiogram's ``Message``, whole; anything else as it is."""
    return Message.model_validate(result) if isinstance(result, dict) and "chat" in result else result


class RecordingSession(BaseSession):
    """Records requests and answers them locally through the real ``check_response``."""

    def __init__(self, *, strict: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.strict = strict
        self.requests: list[TelegramMethod[Any]] = []
        self.closed = True
        self._prepared: defaultdict[type, deque[_Prepared]] = defaultdict(deque)
        self._message_ids: dict[int | str, int] = {}
        self._files: dict[str, str] = {}  # file_id -> file_path
        self._contents: dict[str, bytes] = {}  # file_path -> bytes
        self._seq = itertools.count(1)

    # ------------------------------------------------------------------------ test helpers

    def add_result_for(
        self,
        method: type[TelegramMethod[Any]],
        *,
        ok: bool = True,
        result: Any = None,
        error_code: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Queue the answer for the next call of ``method`` (FIFO per method type)."""
        self._prepared[method].append(_Prepared(ok, result, error_code, description, retry_after, migrate_to_chat_id))

    def add_file(self, file_id: str, content: bytes, *, file_path: str | None = None) -> str:
        """Make ``file_id`` resolvable by getFile and downloadable by ``bot.download``."""
        path = file_path or f"documents/file_{next(self._seq)}"
        self._files[file_id] = path
        self._contents[path] = content
        return path

    def get_request(self, method_type: type[TelegramMethod[Any]] | None = None) -> TelegramMethod[Any]:
        """The last recorded request (of ``method_type`` if given)."""
        for request in reversed(self.requests):
            if method_type is None or isinstance(request, method_type):
                return request
        raise LookupError(f"no {method_type.__name__ if method_type else ''} request was recorded")

    # ------------------------------------------------------------------------ BaseSession API

    async def close(self) -> None:
        self.closed = True

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - signature dictated by BaseSession
    ) -> Any:
        self.closed = False
        self.requests.append(method)
        queue = self._queue_for(type(method))
        if queue:
            status, payload = queue.popleft().payload()
        else:
            try:
                status, payload = 200, {"ok": True, "result": await self._default_result(bot, method)}
            except ApiError as exc:
                status, payload = exc.error_code, exc.payload()
        self.answered(method, payload)
        response = self.check_response(bot=bot, method=method, status_code=status, content=self.json_dumps(payload))
        return response.result

    def answered(self, method: TelegramMethod[Any], payload: dict[str, Any]) -> None:
        """Telegram's answer as it goes out, before the bot reads it: what a client of the chat sees (a bot may
        read only part of it, bot/screen_calls.py; :func:`as_client_reads` reads it whole). Subclasses keep
        it; this one does not."""

    def _queue_for(self, method_type: type) -> deque[_Prepared] | None:
        """The results queued for this kind of call: for its class, or for the aiogram method it extends (a
        result queued for ``EditMessageText`` answers an ``EditScreen`` too: the same Bot API method)."""
        for kind in method_type.__mro__:
            queue = self._prepared.get(kind)
            if queue:
                return queue
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - signature dictated by BaseSession
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        path = url.split("/file/bot", 1)[-1].split("/", 1)[-1]
        content = self._contents.get(path)
        if content is None:
            raise LookupError(f"no file at {path!r}; register it with RecordingSession.add_file()")
        for start in range(0, len(content), chunk_size):
            yield content[start : start + chunk_size]

    # ------------------------------------------------------------------------ default results

    async def _default_result(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        name = method.__api_method__
        builders = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendMediaGroup": self._send_media_group,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "copyMessage": self._copy_message,
        }
        builder = builders.get(name)
        if builder is not None:
            return await builder(bot, method)
        returning = method.__returning__
        if returning is bool:
            return True
        if get_origin(returning) is list:
            return []
        raise NotImplementedError(
            f"RecordingSession has no default result for {name}; queue one with "
            f"add_result_for({type(method).__name__}, result=...)"
        )

    def _value(self, bot: Bot, value: Any) -> Any:
        """Resolve ``Default(...)`` sentinels and dump aiogram objects like a real request would."""
        return self.prepare_value(value, bot=bot, files={}, _dumps_json=False)

    def _bot_user(self, bot: Bot) -> dict[str, Any]:
        return {
            "id": bot.id,
            "is_bot": True,
            "first_name": _DEFAULT_BOT_NAME,
            "username": _DEFAULT_BOT_USERNAME,
        }

    async def _get_me(self, bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any]:
        return self._bot_user(bot)

    def _chat(self, chat_id: int | str) -> dict[str, Any]:
        if isinstance(chat_id, str) and not chat_id.lstrip("-").isdigit():
            return {"id": -(10**12) - zlib.crc32(chat_id.encode()), "type": "channel", "title": chat_id}
        numeric = int(chat_id)
        if numeric > 0:
            return {"id": numeric, "type": "private", "first_name": "User"}
        return {"id": numeric, "type": "supergroup", "title": "Group"}

    def _message(self, bot: Bot, chat_id: int | str, body: dict[str, Any], markup: Any = None) -> dict[str, Any]:
        key = chat_id
        self._message_ids[key] = self._message_ids.get(key, 0) + 1
        message = {
            "message_id": self._message_ids[key],
            "from": self._bot_user(bot),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **body,
        }
        inline = self._inline_markup(markup)
        if inline is not None:
            message["reply_markup"] = inline
        return message

    def _inline_markup(self, markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if self.strict:
            inline, _ = parse_reply_markup(markup)
            return inline
        return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None

    def _formatted(self, bot: Bot, text: Any, parse_mode: Any, entities: Any, *, caption: bool) -> FormattedText:
        text = self._value(bot, text)
        mode = self._value(bot, parse_mode)
        entities = self._value(bot, entities)
        try:
            return format_text(text, mode, entities, caption=caption)
        except ApiError:
            if self.strict:
                raise
            return FormattedText(text or "", entities or [])

    def _text_body(self, formatted: FormattedText, *, caption: bool = False) -> dict[str, Any]:
        key, entities_key = ("caption", "caption_entities") if caption else ("text", "entities")
        body: dict[str, Any] = {}
        if formatted.text or not caption:
            body[key] = formatted.text
        if formatted.entities:
            body[entities_key] = formatted.entities
        return body

    async def _send_message(self, bot: Bot, method: Any) -> dict[str, Any]:
        text = self._formatted(bot, method.text, method.parse_mode, method.entities, caption=False)
        return self._message(bot, method.chat_id, self._text_body(text), self._value(bot, method.reply_markup))

    async def _edited(self, bot: Bot, method: Any, body: dict[str, Any]) -> dict[str, Any] | bool:
        if method.inline_message_id:
            return True
        markup = self._inline_markup(self._value(bot, method.reply_markup))
        message = {
            "message_id": method.message_id,
            "from": self._bot_user(bot),
            "chat": self._chat(method.chat_id),
            "date": int(time.time()),
            "edit_date": int(time.time()),
            **body,
        }
        if markup is not None:
            message["reply_markup"] = markup
        return message

    async def _edit_message_text(self, bot: Bot, method: Any) -> dict[str, Any] | bool:
        text = self._formatted(bot, method.text, method.parse_mode, method.entities, caption=False)
        return await self._edited(bot, method, self._text_body(text))

    async def _edit_message_caption(self, bot: Bot, method: Any) -> dict[str, Any] | bool:
        caption = self._formatted(bot, method.caption, method.parse_mode, method.caption_entities, caption=True)
        return await self._edited(bot, method, self._text_body(caption, caption=True))

    async def _edit_message_reply_markup(self, bot: Bot, method: Any) -> dict[str, Any] | bool:
        return await self._edited(bot, method, {})

    async def _file_info(
        self, bot: Bot, file: InputFile | str, default_name: str
    ) -> tuple[str, str | None, bytes | None]:
        if isinstance(file, str):
            return file, None, None
        content: bytes | None = None
        if isinstance(file, (BufferedInputFile, FSInputFile)):
            content = b"".join([chunk async for chunk in file.read(bot)])
        file_id = f"FILE{next(self._seq):06d}"
        self.add_file(file_id, content or b"")
        return file_id, file.filename or default_name, content

    def _document_dict(self, file_id: str, name: str | None, content: bytes | None, mime: str | None) -> dict[str, Any]:
        document: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"U{file_id}"}
        if name:
            document["file_name"] = name
            document["mime_type"] = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
        if content is not None:
            document["file_size"] = len(content)
        return document

    def _photo_sizes(self, file_id: str, content: bytes | None) -> list[dict[str, Any]]:
        size = len(content) if content is not None else 100_000
        return [
            {
                "file_id": f"{file_id}-s",
                "file_unique_id": f"U{file_id}-s",
                "width": 90,
                "height": 68,
                "file_size": max(1, size // 12),
            },
            {
                "file_id": file_id,
                "file_unique_id": f"U{file_id}",
                "width": 1280,
                "height": 960,
                "file_size": size,
            },
        ]

    async def _media_message(self, bot: Bot, method: Any, kind: str) -> dict[str, Any]:
        caption = self._formatted(bot, method.caption, method.parse_mode, method.caption_entities, caption=True)
        file_id, name, content = await self._file_info(bot, getattr(method, kind), kind)
        media: dict[str, Any]
        if kind == "photo":
            media = {"photo": self._photo_sizes(file_id, content)}
        else:
            media = {"document": self._document_dict(file_id, name, content, None)}
        body = {**media, **self._text_body(caption, caption=True)}
        return self._message(bot, method.chat_id, body, self._value(bot, method.reply_markup))

    async def _send_document(self, bot: Bot, method: Any) -> dict[str, Any]:
        return await self._media_message(bot, method, "document")

    async def _send_photo(self, bot: Bot, method: Any) -> dict[str, Any]:
        return await self._media_message(bot, method, "photo")

    async def _send_media_group(self, bot: Bot, method: Any) -> list[dict[str, Any]]:
        group_id = f"{next(self._seq)}"
        messages = []
        for item in method.media:
            caption = self._formatted(bot, item.caption, item.parse_mode, item.caption_entities, caption=True)
            file_id, name, content = await self._file_info(bot, item.media, item.type)
            if item.type == "photo":
                media: dict[str, Any] = {"photo": self._photo_sizes(file_id, content)}
            else:
                media = {"document": self._document_dict(file_id, name, content, None)}
            body = {**media, **self._text_body(caption, caption=True), "media_group_id": group_id}
            messages.append(self._message(bot, method.chat_id, body))
        return messages

    async def _answer_callback_query(self, bot: Bot, method: Any) -> bool:
        if self.strict and utf16_len(method.text or "") > MAX_CALLBACK_ANSWER_LENGTH:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    async def _get_file(self, bot: Bot, method: Any) -> dict[str, Any]:
        path = self._files.get(method.file_id)
        if path is None:
            if self.strict:
                raise ApiError(400, "Bad Request: invalid file_id")
            path = self.add_file(method.file_id, b"")
        return {
            "file_id": method.file_id,
            "file_unique_id": f"U{method.file_id}",
            "file_size": len(self._contents[path]),
            "file_path": path,
        }

    async def _copy_message(self, bot: Bot, method: Any) -> dict[str, Any]:
        self._message_ids[method.chat_id] = self._message_ids.get(method.chat_id, 0) + 1
        return {"message_id": self._message_ids[method.chat_id]}


class RecordingBot(Bot):
    """An aiogram ``Bot`` whose session is a :class:`RecordingSession` (no network at all)."""

    if TYPE_CHECKING:
        session: RecordingSession

    def __init__(self, token: str = "42:TEST", *, session: RecordingSession | None = None, **kwargs: Any) -> None:
        super().__init__(token, session=session or RecordingSession(), **kwargs)
        self._me = User(id=self.id, is_bot=True, first_name=_DEFAULT_BOT_NAME, username=_DEFAULT_BOT_USERNAME)

    @property
    def requests(self) -> list[TelegramMethod[Any]]:
        return self.session.requests

    def get_request(self, method_type: type[TelegramMethod[Any]] | None = None) -> TelegramMethod[Any]:
        return self.session.get_request(method_type)

    def add_result_for(self, method: type[TelegramMethod[Any]], **kwargs: Any) -> None:
        self.session.add_result_for(method, **kwargs)


# ------------------------------------------------------------------------------- update builders


def _user(user_id: int, first_name: str, language_code: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user


def message_update(
    text: str,
    *,
    user_id: int = 1,
    update_id: int = 1,
    message_id: int = 1,
    first_name: str = "User",
    language_code: str | None = "ru",
    bot: Bot | None = None,
) -> Update:
    """An ``Update`` with a private text message (a leading ``/command`` gets its entity)."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "text": text,
        "from": _user(user_id, first_name, language_code),
        "chat": {"id": user_id, "type": "private", "first_name": first_name},
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message["entities"] = [{"offset": 0, "length": utf16_len(command), "type": "bot_command"}]
    context = {"bot": bot} if bot is not None else None
    return Update.model_validate({"update_id": update_id, "message": message}, context=context)


def callback_update(
    data: str,
    *,
    user_id: int = 1,
    update_id: int = 1,
    message_id: int = 1,
    message_text: str = "",
    query_id: str = "1",
    first_name: str = "User",
    bot: Bot | None = None,
) -> Update:
    """An ``Update`` with a callback query pressed under the bot message ``message_id``."""
    message = {
        "message_id": message_id,
        "date": int(time.time()),
        "text": message_text or "…",
        "from": {"id": bot.id if bot else 42, "is_bot": True, "first_name": _DEFAULT_BOT_NAME},
        "chat": {"id": user_id, "type": "private", "first_name": first_name},
    }
    query = {
        "id": query_id,
        "from": _user(user_id, first_name, None),
        "chat_instance": "1",
        "data": data,
        "message": message,
    }
    context = {"bot": bot} if bot is not None else None
    return Update.model_validate({"update_id": update_id, "callback_query": query}, context=context)
