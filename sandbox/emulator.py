"""A local, strict emulation of the Telegram Bot API for one bot.

:class:`BotAPIEmulator` is an ``aiohttp.web`` server on 127.0.0.1 that speaks the Bot API's HTTP
protocol (``/bot<token>/<method>`` and ``/file/bot<token>/<path>``), so the real aiogram ``Bot``
can long-poll it::

    emu = BotAPIEmulator()
    await emu.start()
    bot = Bot(emu.token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))

The test (or a terminal UI) plays the users with ``send_text`` / ``send_photo`` / ``press_button``
and observes the bot through ``messages()``, ``calls``, ``errors`` and ``events``.

The emulator is strict on purpose: it rejects what Telegram rejects (bad HTML, over-long texts,
invalid callback_data, "message is not modified", stale callback queries, ...) with Telegram's own
status codes and descriptions, so aiogram raises exactly the exceptions production would raise.

It is not thread-safe: call the user-side methods from the event loop that runs the server.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import math
import mimetypes
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from aiohttp import BodyPartReader, web

from .faults import Faults
from .html_check import (
    EntityParseError,
    FormattedText,
    check_link,
    parse_html,
    trim_formatted,
    utf16_len,
)

__all__ = [
    "ApiError",
    "BotAPIEmulator",
    "StoredFile",
    "UploadedFile",
    "format_text",
    "parse_reply_markup",
]

MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_CALLBACK_ANSWER_LENGTH: Final = 200
MAX_INLINE_BUTTONS: Final = 100
MAX_DOWNLOAD_SIZE: Final = 20 * 1024 * 1024
MAX_UPLOAD_SIZE: Final = 50 * 1024 * 1024
MAX_PHOTO_SIZE: Final = 10 * 1024 * 1024

NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD: Final = "Bad Request: query is too old and response timeout expired or query ID is invalid"
POLL_CONFLICT: Final = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
WEBHOOK_CONFLICT: Final = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
CHAT_ACTION_SECONDS: Final = 5.0  # how long Telegram shows a chat action without a message
CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
BUTTON_ACTIONS: Final = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
# Update types Telegram delivers when allowed_updates was never set (or set to []).
DEFAULT_EXCLUDED_UPDATES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
COMMAND_RE: Final = re.compile(r"/\S+")
IMAGE_MAGIC: Final = (
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
)

_KEEP: Final = object()  # "leave this profile field unchanged"


# ------------------------------------------------------------------------------ basic types


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status == ``error_code``."""

    def __init__(self, error_code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    file_name: str
    mime_type: str | None
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class StoredFile:
    """A file known to the emulator (uploaded by the bot or "sent" by a user)."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo" or "document"
    size: int
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    data: bytes | None = field(default=None, repr=False)

    def content(self) -> bytes:
        """The bytes; generated lazily (deterministically) when none were given."""
        if self.data is None:
            self.data = random.Random(self.file_unique_id).randbytes(self.size)
        return self.data

    def as_file(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass
class _ChatState:
    info: dict[str, Any]
    next_message_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)  # by message_id
    extras: dict[int, dict[str, Any]] = field(default_factory=dict)  # emulator-only keys per message
    reply_keyboard: dict[str, Any] | None = None
    blocked: bool = False
    flood: deque[float] = field(default_factory=deque)

    def ordered(self) -> list[dict[str, Any]]:
        """Messages in message_id order (ids may be reserved before a message is stored)."""
        return sorted(self.messages.values(), key=lambda message: message["message_id"])

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class _QueryState:
    created: float
    answered: bool = False


# ----------------------------------------------------------------------------- parameters


class Params:
    """Typed access to request parameters (JSON body, urlencoded form or multipart)."""

    def __init__(self, data: dict[str, Any], request: web.Request | None = None) -> None:
        self.data = data
        self.request = request

    def raw(self, name: str) -> Any:
        value = self.data.get(name)
        return None if value == "" else value

    def get_str(self, name: str) -> str | None:
        value = self.raw(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, UploadedFile):
            raise bad_request(f"parameter {name} must be a string")
        if isinstance(value, bool):
            return "true" if value else "false"
        return json.dumps(value) if isinstance(value, (dict, list)) else f"{value}"

    def get_int(self, name: str) -> int | None:
        value = self.raw(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def get_float(self, name: str) -> float | None:
        value = self.raw(name)
        if value is None:
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str) -> bool:
        value = self.raw(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def get_json(self, name: str, what: str | None = None) -> Any:
        """A JSON-serialized parameter (multipart/urlencoded) or the native value (JSON body)."""
        value = self.raw(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {what or name} JSON object") from None

    def get_file(self, name: str) -> UploadedFile | str | None:
        value = self.raw(name)
        if value is None or isinstance(value, (UploadedFile, str)):
            return value
        return f"{value}"

    def attachment(self, reference: str) -> UploadedFile | str:
        """Resolve an ``attach://name`` reference (media groups); other strings are file ids."""
        if reference.startswith("attach://"):
            attached = self.data.get(reference[len("attach://") :])
            if not isinstance(attached, UploadedFile):
                raise bad_request(f'can\'t find attached file "{reference[len("attach://") :]}"')
            return attached
        return reference


# ------------------------------------------------------------------ shared validation helpers


def format_text(
    text: str | None,
    parse_mode: str | None,
    entities: Any = None,
    *,
    caption: bool = False,
    strict_ampersand: bool = True,
    resolve_user: Callable[[int], dict[str, Any]] | None = None,
) -> FormattedText:
    """Parse ``text`` like the Bot API would for a message text (or a caption).

    Returns the visible text and entities; raises :class:`ApiError` with Telegram's description.
    """
    source = text or ""
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        raise bad_request("strings must be encoded in UTF-8") from None
    mode = (parse_mode or "").strip().lower()
    try:
        if entities:
            if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
                raise bad_request("can't parse entities JSON object")
            parsed = FormattedText(source, [dict(e) for e in entities])
        elif mode == "html":
            parsed = parse_html(source, strict_ampersand=strict_ampersand, resolve_user=resolve_user)
        elif mode:
            raise bad_request("unsupported parse_mode")
        else:
            parsed = FormattedText(source, [])
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    parsed = trim_formatted(parsed)
    length = utf16_len(parsed.text)
    if caption:
        if length > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
    elif length == 0:
        raise bad_request("message text is empty")
    elif length > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return parsed


def _validate_inline_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise bad_request(prefix + 'Field "text" must be of type String')
    actions = [name for name in BUTTON_ACTIONS if button.get(name) is not None]
    if not actions or not text.strip():
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(prefix + f"exactly one of the optional fields must be used, got {', '.join(actions)}")
    if "callback_data" in actions:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in actions and (not isinstance(button["url"], str) or check_link(button["url"]) is None):
        raise bad_request("BUTTON_URL_INVALID")


def _validate_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    total = 0
    for row in rows:
        for button in row:
            _validate_inline_button(button)
            total += 1
    if total > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")


def _validate_reply_keyboard(markup: dict[str, Any]) -> None:
    rows = markup["keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    for row in rows:
        for button in row:
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text:
                raise bad_request('can\'t parse keyboard button: Field "text" must be of type String')


def parse_reply_markup(raw: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Validate ``reply_markup``; returns ``(inline_markup, reply_keyboard_markup)``."""
    if raw is None or raw == "":
        return None, None
    markup = raw
    if isinstance(raw, str):
        try:
            markup = json.loads(raw)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" in markup:
        _validate_inline_keyboard(markup["inline_keyboard"])
        return markup, None
    if "keyboard" in markup:
        _validate_reply_keyboard(markup)
        return None, markup
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return None, markup
    raise bad_request("unsupported reply markup type")


def _looks_like_image(data: bytes) -> bool:
    return data.startswith(IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


Handler = Callable[[Params], Awaitable[Any]]


# ------------------------------------------------------------------------------- emulator


class BotAPIEmulator:
    """Strict Telegram Bot API emulation for one bot, served over HTTP on localhost.

    ``events`` receives every bot-side visible event, for a terminal UI: ``("send", message)``,
    ``("edit", message)``, ``("delete", {"chat_id", "message_id"})``, ``("answer", params)`` for
    answerCallbackQuery and ``("action", {"chat_id", "action"})`` for sendChatAction.
    Knobs: ``flood_limit_per_second`` (429 after N send/edit calls per chat within a second),
    ``strict_ampersand`` (reject a bare "&" in HTML, see html_check), ``callback_query_ttl``
    (seconds after which an unanswered callback query is "too old"), ``files_dir`` (keep a copy of
    every file the bot sends there), ``faults`` (network faults, see sandbox/faults.py).
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_id: int = 123456,
        bot_username: str = "risk_sandbox_bot",
        host: str = "127.0.0.1",
        port: int = 0,
        files_dir: Path | None = None,
        flood_limit_per_second: int | None = None,
        bot_first_name: str = "Risk Sandbox Bot",
        strict_ampersand: bool = True,
        callback_query_ttl: float | None = None,
        send_rate_limit: int | None = None,
        faults: Faults | None = None,
    ) -> None:
        prefix = token.split(":", 1)[0]
        if prefix.isdigit() and int(prefix) != bot_id:
            raise ValueError(f"token {token!r} belongs to bot {prefix}, not bot_id={bot_id}")
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.host = host
        self.port = port
        self.files_dir = files_dir
        self.flood_limit_per_second = flood_limit_per_second
        self.strict_ampersand = strict_ampersand
        self.callback_query_ttl = callback_query_ttl
        self._init_outbox_section(send_rate_limit)
        # Network faults (sandbox/faults.py): a share of calls fails, or everything goes dark for a while.
        self.faults = faults
        if faults is not None:
            faults._on_dark = lambda: self._wake_poller("dark")
        self.base_url = ""
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        # observation
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[tuple[str, str]] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        # state
        self._users: dict[int, dict[str, Any]] = {}
        self._chats: dict[int, _ChatState] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._allowed_updates: set[str] | None = None
        self._queries: dict[str, _QueryState] = {}
        self._files: dict[str, StoredFile] = {}
        self._paths: dict[str, StoredFile] = {}
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._webhook: dict[str, Any] = {"url": ""}
        self._seq = itertools.count(1)
        self._rng = random.Random(bot_id)
        # server / polling
        self._runner: web.AppRunner | None = None
        self._poller: tuple[asyncio.Future[str], web.Request | None] | None = None
        self._closing = False
        self._inflight = 0
        self._last_activity = time.monotonic()
        # Chats showing a chat action ("sending a file…"): Telegram shows it for 5 s or until the bot's next
        # message there. The bot is busy for that chat meanwhile, so wait_idle waits for it.
        self._busy: dict[int, float] = {}
        # The bot's own word that it still handles updates (sandbox/running.py sets it): a bot that confirms
        # an update as soon as it is stored (bot/polling.py) may handle it after the next getUpdates, and a
        # handler may think longer than ``quiet`` before its first call. Telegram cannot see that; tests can.
        self.busy_probe: Callable[[], bool] | None = None
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in self._method_table().items()
        }

    def _method_table(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "logOut": self._ok,
            "close": self._ok,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._ok,
            "setMyShortDescription": self._ok,
            "setMyName": self._ok,
            "setChatMenuButton": self._ok,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageCaption": self._edit_message_caption,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendMediaGroup": self._send_media_group,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
            "answerInlineQuery": self._answer_inline_query,  # inline mode section
        }

    # ------------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind the HTTP server (``port=0`` picks a free ephemeral port) and set ``base_url``."""
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        middlewares = [self.faults.middleware] if self.faults is not None else []
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE + 1024 * 1024, middlewares=middlewares)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self._closing = False
        self._last_activity = time.monotonic()
        port = runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{port}"

    async def stop(self) -> None:
        """Release a pending long poll and shut the server down."""
        self._closing = True
        self._wake_poller("closing")
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> BotAPIEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------------ user side

    def send_text(
        self, user_id: int, text: str, *, first_name: str = "User", language_code: str | None = "ru"
    ) -> dict[str, Any]:
        """The user writes ``text``; a leading ``/command`` gets a bot_command entity."""
        body: dict[str, Any] = {"text": text}
        command = COMMAND_RE.match(text)
        if command:
            body["entities"] = [{"offset": 0, "length": utf16_len(command.group(0)), "type": "bot_command"}]
        return self._user_message(user_id, body, first_name=first_name, language_code=language_code)

    def send_photo(
        self,
        user_id: int,
        *,
        file_size: int = 150_000,
        caption: str | None = None,
        media_group_id: str | None = None,
        content: bytes | None = None,
        **user_kw: Any,
    ) -> dict[str, Any]:
        """The user sends a photo (two sizes); its bytes are downloadable through getFile."""
        full = self._new_file("photo", content, file_size if content is None else len(content), "photo.jpg")
        body: dict[str, Any] = {"photo": self._photo_sizes(full)}
        self._add_user_media_fields(body, caption, media_group_id)
        return self._user_message(user_id, body, **user_kw)

    def send_document(
        self,
        user_id: int,
        *,
        file_name: str = "doc.pdf",
        mime_type: str = "application/pdf",
        file_size: int | None = None,
        content: bytes | None = None,
        caption: str | None = None,
        media_group_id: str | None = None,
        **user_kw: Any,
    ) -> dict[str, Any]:
        """The user sends a document; ``content`` (or generated bytes of ``file_size``) is downloadable."""
        size = len(content) if content is not None else (file_size if file_size is not None else 10_000)
        stored = self._new_file("document", content, size, file_name, mime_type)
        body: dict[str, Any] = {"document": self._document_dict(stored)}
        self._add_user_media_fields(body, caption, media_group_id)
        return self._user_message(user_id, body, **user_kw)

    def send_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        *,
        horizontal_accuracy: float | None = None,
        **user_kw: Any,
    ) -> dict[str, Any]:
        """The user shares a location (e.g. with a request_location keyboard button)."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if horizontal_accuracy is not None:
            location["horizontal_accuracy"] = horizontal_accuracy
        return self._user_message(user_id, {"location": location}, **user_kw)

    def send_raw_update(self, update: dict[str, Any]) -> None:
        """Queue an arbitrary update (``update_id`` is assigned when missing)."""
        update = copy.deepcopy(update)
        if "update_id" in update:
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        payload = update.get("message") or update.get("edited_message") or {}
        chat = payload.get("chat") if isinstance(payload, dict) else None
        if isinstance(chat, dict) and "id" in chat and chat["id"] not in self._chats:
            self._chats[chat["id"]] = _ChatState(info=dict(chat))
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._queries.setdefault(str(query["id"]), _QueryState(created=time.monotonic()))
        self._enqueue(update)

    def press(self, user_id: int, message_id: int, callback_data: str, **user_kw: Any) -> dict[str, Any]:
        """The user presses the inline button with ``callback_data`` under bot message ``message_id``."""
        chat = self._chats.get(user_id)
        message = chat.messages.get(message_id) if chat else None
        if message is None or not self._is_bot_message(message):
            raise ValueError(f"there is no bot message {message_id} in the private chat with {user_id}")
        available = [button.get("callback_data") for button in _inline_buttons(message)]
        if callback_data not in available:
            raise ValueError(
                f"message {message_id} has no inline button with callback_data={callback_data!r}; "
                f"available: {available}"
            )
        user = self._touch_user(user_id, **user_kw)
        query_id = f"{self._rng.randrange(10**17, 10**18)}{next(self._seq)}"
        query = {
            "id": query_id,
            "from": dict(user),
            "message": copy.deepcopy(message),
            "chat_instance": f"{-(user_id * 7919 + self.bot_id)}",
            "data": callback_data,
        }
        self._queries[query_id] = _QueryState(created=time.monotonic())
        self._enqueue({"callback_query": query})
        return copy.deepcopy(query)

    def press_button(self, user_id: int, text_contains: str, *, message_id: int | None = None) -> dict[str, Any]:
        """Press the button whose text contains ``text_contains`` (case-insensitive; an exact match wins).

        It is searched on ``message_id`` or else on the latest bot message that has inline buttons.
        """
        message = self._message_with_buttons(user_id, message_id)
        buttons = _inline_buttons(message)
        needle = text_contains.casefold()
        exact = [b for b in buttons if b.get("text", "").casefold() == needle]
        partial = [b for b in buttons if needle in b.get("text", "").casefold()]
        matches = exact or partial
        texts = [b.get("text") for b in buttons]
        if not matches:
            raise ValueError(
                f"no button containing {text_contains!r} on message {message['message_id']}; buttons: {texts}"
            )
        if len(matches) > 1:
            raise ValueError(
                f"{text_contains!r} is ambiguous on message {message['message_id']}: {[b.get('text') for b in matches]}"
            )
        if "callback_data" not in matches[0]:
            raise ValueError(f"button {matches[0].get('text')!r} is not a callback button: {matches[0]}")
        return self.press(user_id, message["message_id"], matches[0]["callback_data"])

    def block_user(self, user_id: int, blocked: bool = True) -> None:
        """Make the user block (or unblock) the bot: sends then fail with 403 like Telegram's."""
        self._chat_for_user(user_id).blocked = blocked

    # ------------------------------------------------------------------------ observing

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Bot-sent messages of the chat in their current state (edits applied, deletions removed).

        Each is a Telegram Message dict plus emulator-only keys where relevant: ``document_bytes`` /
        ``photo_bytes`` (the uploaded file), ``reply_keyboard`` (a reply keyboard sent with it, which
        Telegram does not echo in Message) and ``file_path_local`` (the copy in ``files_dir``).
        """
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [self._view(chat, m) for m in chat.ordered() if self._is_bot_message(m)]

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        messages = self.messages(chat_id)
        return messages[-1] if messages else None

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The custom (reply) keyboard currently shown to the user, if any."""
        chat = self._chats.get(chat_id)
        return copy.deepcopy(chat.reply_keyboard) if chat else None

    @property
    def pending_updates(self) -> int:
        """Updates queued but not yet confirmed by a getUpdates with a higher offset."""
        return len(self._updates)

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every received call of ``method``."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Poll ``predicate`` every 10 ms; raise TimeoutError (with recent messages) after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout:.2f}s\n{self.describe()}")
            await asyncio.sleep(0.01)

    async def wait_idle(self, timeout: float = 5.0, *, quiet: float = 0.1) -> None:  # noqa: ASYNC109
        """Wait until every update was fetched and confirmed and no API call arrived for ``quiet`` s."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            busy = any(until > now for until in self._busy.values()) or bool(self.busy_probe and self.busy_probe())
            if not self._updates and self._inflight == 0 and not busy and now - self._last_activity >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(
                    f"emulator not idle after {timeout:.2f}s: {len(self._updates)} update(s) not confirmed "
                    f"by getUpdates, {self._inflight} call(s) in flight, last call "
                    f"{now - self._last_activity:.3f}s ago (is the bot polling?)\n{self.describe()}"
                )
            await asyncio.sleep(0.01)

    def describe(self, last: int = 5) -> str:
        """A short human-readable dump of the recent state, for error messages."""
        lines = [f"pending updates: {len(self._updates)}; calls: {len(self.calls)}"]
        for chat_id, chat in self._chats.items():
            recent = [m for m in chat.ordered() if self._is_bot_message(m)][-last:]
            lines.append(f"chat {chat_id}: {len(recent)} recent bot message(s)")
            lines.extend(f"  #{m['message_id']}: {_summary(m)}" for m in recent)
        if self.errors:
            lines.append("recent errors:")
            lines.extend(f"  {method}: {description}" for method, description in self.errors[-last:])
        return "\n".join(lines)

    # ------------------------------------------------------------------------ HTTP plumbing

    async def _handle_api(self, request: web.Request) -> web.Response:
        raw_method = request.match_info["method"]
        entry = self._methods.get(raw_method.lower())
        method = entry[0] if entry else raw_method
        self._last_activity = time.monotonic()
        try:
            params = await self._read_params(request)
        except ApiError as exc:
            self.calls.append((method, {}))
            return self._error_response(method, exc)
        self.calls.append((method, params))
        if request.match_info["token"] != self.token:
            return self._error_response(method, ApiError(401, "Unauthorized"))
        if entry is None:
            return self._error_response(method, ApiError(404, "Not Found"))
        tracked = method != "getUpdates"  # a pending long poll is not "work in flight"
        if tracked:
            self._inflight += 1
        try:
            result = await entry[1](Params(params, request))
        except ApiError as exc:
            return self._error_response(method, exc)
        finally:
            if tracked:
                self._inflight -= 1
            self._last_activity = time.monotonic()
        return _json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _json_response(ApiError(401, "Unauthorized").payload(), status=401)
        stored = self._paths.get(request.match_info["path"])
        if stored is None:
            return _json_response(ApiError(404, "Not Found").payload(), status=404)
        return web.Response(body=stored.content(), content_type=stored.mime_type or "application/octet-stream")

    def _error_response(self, method: str, exc: ApiError) -> web.Response:
        self.errors.append((method, exc.description))
        return _json_response(exc.payload(), status=exc.error_code)

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method != "POST" or not request.body_exists:
            return params
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON encoded request") from None
            if not isinstance(body, dict):
                raise bad_request("JSON object expected in the request body")
            params.update(body)
        elif content_type == "multipart/form-data":
            params.update(await _read_multipart(request))
        elif content_type == "application/x-www-form-urlencoded":
            params.update((await request.post()).items())
        return params

    # ------------------------------------------------------------------------ updates & polling

    def _enqueue(self, update: dict[str, Any]) -> None:
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
            self._next_update_id += 1
        self._updates.append(update)
        self._wake_poller("update")

    def _wake_poller(self, reason: str) -> None:
        if self._poller is not None and not self._poller[0].done():
            self._poller[0].set_result(reason)

    def _supersede_poller(self) -> None:
        if self._poller is None or self._poller[0].done():
            return
        request = self._poller[1]
        transport = request.transport if request is not None else None
        gone = transport is None or transport.is_closing()
        self._poller[0].set_result("gone" if gone else "conflict")

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kind = _update_type(update)
        if self._allowed_updates is None:
            return kind not in DEFAULT_EXCLUDED_UPDATES
        return kind in self._allowed_updates

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _collect(self, limit: int) -> list[dict[str, Any]]:
        self._updates = [u for u in self._updates if self._is_allowed(u)]
        return copy.deepcopy(self._updates[:limit])

    async def _get_updates(self, p: Params) -> list[dict[str, Any]]:
        if self._webhook["url"]:
            raise ApiError(409, WEBHOOK_CONFLICT)
        limit = min(max(p.get_int("limit") or 100, 1), 100)
        timeout = max(p.get_float("timeout") or 0.0, 0.0)
        allowed = p.get_json("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = {str(kind) for kind in allowed} or None
        self._supersede_poller()
        self._confirm(p.get_int("offset") or 0)
        batch = self._collect(limit)
        if batch or timeout == 0 or self._closing:
            return batch
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._poller = (waiter, p.request)
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            if self._poller is not None and self._poller[0] is waiter:
                self._poller = None
        if waiter.done() and waiter.result() == "conflict":
            raise ApiError(409, POLL_CONFLICT)
        return self._collect(limit)

    # ------------------------------------------------------------------------ state helpers

    def _is_bot_message(self, message: dict[str, Any]) -> bool:
        return message.get("from", {}).get("id") == self.bot_id

    def _view(self, chat: _ChatState, message: dict[str, Any]) -> dict[str, Any]:
        view = copy.deepcopy(message)
        view.update(chat.extras.get(message["message_id"], {}))
        return view

    def _chat_for_user(self, user_id: int) -> _ChatState:
        if user_id not in self._chats:
            self._touch_user(user_id)
        return self._chats[user_id]

    def _touch_user(
        self,
        user_id: int,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: Any = _KEEP,
    ) -> dict[str, Any]:
        """Create or update the user's profile (and their private chat); returns the User dict."""
        user = self._users.setdefault(user_id, {"id": user_id, "is_bot": False, "first_name": "User"})
        for key, value in (("first_name", first_name), ("last_name", last_name), ("username", username)):
            if value is not None:
                user[key] = value
        if language_code is None:
            user.pop("language_code", None)
        elif language_code is not _KEEP:
            user["language_code"] = language_code
        info = {
            "id": user_id,
            "type": "private",
            **{k: user[k] for k in ("first_name", "last_name", "username") if k in user},
        }
        chat = self._chats.setdefault(user_id, _ChatState(info=info))
        chat.info = info
        return user

    def _user_message(self, user_id: int, body: dict[str, Any], **user_kw: Any) -> dict[str, Any]:
        user = self._touch_user(user_id, **user_kw)
        chat = self._chats[user_id]
        message = {
            "message_id": chat.take_message_id(),
            "from": dict(user),
            "chat": dict(chat.info),
            "date": int(time.time()),
            **body,
        }
        chat.messages[message["message_id"]] = message
        self._enqueue({"message": copy.deepcopy(message)})
        return copy.deepcopy(message)

    def _add_user_media_fields(self, body: dict[str, Any], caption: str | None, group: str | None) -> None:
        if caption:
            body["caption"] = caption
        if group:
            body["media_group_id"] = group

    def _message_with_buttons(self, user_id: int, message_id: int | None) -> dict[str, Any]:
        chat = self._chats.get(user_id)
        if chat is None:
            raise ValueError(f"user {user_id} has no chat with the bot")
        if message_id is not None:
            message = chat.messages.get(message_id)
            if message is None or not self._is_bot_message(message):
                raise ValueError(f"there is no bot message {message_id} in the chat with {user_id}")
            return message
        for message in reversed(chat.ordered()):
            if self._is_bot_message(message) and _inline_buttons(message):
                return message
        raise ValueError(f"no bot message with inline buttons in the chat with {user_id}")

    def _new_id(self, prefix: str) -> str:
        token = "".join(self._rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", k=24))
        return f"{prefix}{next(self._seq):06d}{token}"

    def _new_file(
        self, kind: str, data: bytes | None, size: int, file_name: str | None, mime_type: str | None = None
    ) -> StoredFile:
        file_id = self._new_id("AgAC" if kind == "photo" else "BQAC")
        suffix = Path(file_name or "").suffix or (".jpg" if kind == "photo" else "")
        folder = "photos" if kind == "photo" else "documents"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=self._new_id("AQAD")[:16],
            kind=kind,
            size=size,
            file_path=f"{folder}/file_{len(self._files)}{suffix}",
            file_name=file_name,
            mime_type=mime_type or mimetypes.guess_type(file_name or "")[0],
            data=data,
        )
        self._files[stored.file_id] = stored
        self._paths[stored.file_path] = stored
        return stored

    def _photo_sizes(self, full: StoredFile) -> list[dict[str, Any]]:
        thumb = self._new_file("photo", None, max(1, min(full.size, full.size // 12 or 1)), "thumb.jpg")
        return [
            {
                "file_id": thumb.file_id,
                "file_unique_id": thumb.file_unique_id,
                "file_size": thumb.size,
                "width": 90,
                "height": 68,
            },
            {
                "file_id": full.file_id,
                "file_unique_id": full.file_unique_id,
                "file_size": full.size,
                "width": 1280,
                "height": 960,
            },
        ]

    @staticmethod
    def _document_dict(stored: StoredFile) -> dict[str, Any]:
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
        if stored.file_name:
            document["file_name"] = stored.file_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        return document

    def _resolve_user(self, user_id: int) -> dict[str, Any]:
        return dict(self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "User"}))

    def _format(self, p: Params, text_key: str, *, caption: bool = False) -> FormattedText:
        entities_key = "caption_entities" if caption else "entities"
        return format_text(
            p.get_str(text_key),
            p.get_str("parse_mode"),
            p.get_json(entities_key, "entities"),
            caption=caption,
            strict_ampersand=self.strict_ampersand,
            resolve_user=self._resolve_user,
        )

    def _target_chat(self, p: Params) -> _ChatState:
        raw = p.raw("chat_id")
        if raw is None:
            raise bad_request("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        chat = self._chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _check_flood(self, chat: _ChatState) -> None:
        limit = self.flood_limit_per_second
        if limit is None:
            return
        now = time.monotonic()
        while chat.flood and now - chat.flood[0] >= 1.0:
            chat.flood.popleft()
        if len(chat.flood) >= limit:
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        chat.flood.append(now)

    def _reply_target(self, chat: _ChatState, p: Params) -> dict[str, Any] | None:
        reply = p.get_json("reply_parameters", "reply parameters") or {}
        if not isinstance(reply, dict):
            raise bad_request("can't parse reply parameters JSON object")
        message_id = reply.get("message_id") or p.get_int("reply_to_message_id")
        if not message_id:
            return None
        target = chat.messages.get(int(message_id))
        if target is None:
            if reply.get("allow_sending_without_reply") or p.get_bool("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        snapshot = copy.deepcopy(target)
        snapshot.pop("reply_to_message", None)
        return snapshot

    def _bot_message(
        self,
        chat: _ChatState,
        body: dict[str, Any],
        markup: tuple[dict[str, Any] | None, dict[str, Any] | None],
        reply_to: dict[str, Any] | None,
        extras: dict[str, Any] | None = None,
        *,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        """Store and announce a message the bot sent (``message_id`` may have been reserved before)."""
        self._busy.pop(chat.info["id"], None)  # a message ends the chat action
        inline, keyboard = markup
        message: dict[str, Any] = {
            "message_id": message_id if message_id is not None else chat.take_message_id(),
            "from": dict(self.bot_user),
            "chat": dict(chat.info),
            "date": int(time.time()),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(body)
        if inline is not None:
            message["reply_markup"] = inline
        chat.messages[message["message_id"]] = message
        extra = dict(extras or {})
        if keyboard is not None:
            extra["reply_keyboard"] = keyboard
            chat.reply_keyboard = None if keyboard.get("remove_keyboard") else keyboard
        if extra:
            chat.extras[message["message_id"]] = extra
        self.events.put_nowait(("send", self._view(chat, message)))
        return copy.deepcopy(message)

    def _editable(self, p: Params) -> tuple[_ChatState, dict[str, Any]]:
        if p.raw("inline_message_id") is not None:
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._target_chat(p)
        message_id = p.get_int("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if not self._is_bot_message(message):
            raise bad_request("message can't be edited")
        return chat, message

    def _apply_edit(self, chat: _ChatState, message: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        self._check_flood(chat)
        for key, value in changes.items():
            if value in (None, []):
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = int(time.time())
        self.events.put_nowait(("edit", self._view(chat, message)))
        return copy.deepcopy(message)

    def _input_file(self, p: Params, name: str, kind: str) -> StoredFile:
        value = p.get_file(name)
        if value is None:
            raise bad_request(f"there is no {name} in the request")
        if isinstance(value, str) and value.startswith("attach://"):
            value = p.attachment(value)
        if isinstance(value, UploadedFile):
            return self._store_upload(value, kind)
        if re.match(r"https?://", value, re.IGNORECASE):
            raise bad_request("failed to get HTTP URL content")
        stored = self._files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    def _store_upload(self, upload: UploadedFile, kind: str) -> StoredFile:
        if not upload.data:
            raise bad_request("file must be non-empty")
        if upload.size > MAX_UPLOAD_SIZE:
            raise ApiError(413, "Request Entity Too Large")
        if kind == "photo":
            if upload.size > MAX_PHOTO_SIZE:
                raise bad_request("PHOTO_SAVE_FILE_INVALID")
            if not _looks_like_image(upload.data):
                raise bad_request("IMAGE_PROCESS_FAILED")
        mime = mimetypes.guess_type(upload.file_name)[0]
        if mime is None and upload.mime_type not in (None, "application/octet-stream"):
            mime = upload.mime_type
        return self._new_file(kind, upload.data, upload.size, upload.file_name, mime or "application/octet-stream")

    async def _save_copy(self, chat: _ChatState, stored: StoredFile, message_id: int) -> dict[str, Any]:
        """Emulator-only extras for a file the bot sent (bytes, and a copy in ``files_dir``)."""
        extras: dict[str, Any] = {"document_bytes" if stored.kind == "document" else "photo_bytes": stored.content()}
        if self.files_dir is not None:
            safe_name = re.sub(r"[^\w.\-]+", "_", stored.file_name or Path(stored.file_path).name)
            target = self.files_dir / f"{chat.info['id']}_{message_id}_{safe_name}"
            await asyncio.to_thread(_write_file, target, stored.content())
            extras["file_path_local"] = str(target)
        return extras

    def _media_body(self, caption: FormattedText, stored: StoredFile) -> dict[str, Any]:
        if stored.kind == "photo":
            body: dict[str, Any] = {"photo": self._photo_sizes(stored)}
        else:
            body = {"document": self._document_dict(stored)}
        if caption.text:
            body["caption"] = caption.text
            if caption.entities:
                body["caption_entities"] = caption.entities
        return body

    # ------------------------------------------------------------------------ API methods

    async def _ok(self, p: Params) -> bool:
        return True

    async def _get_me(self, p: Params) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _delete_webhook(self, p: Params) -> bool:
        self._webhook = {"url": ""}
        if p.get_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(self, p: Params) -> bool:
        url = p.get_str("url") or ""
        if url and not url.lower().startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook = {"url": url}
        if p.get_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, p: Params) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    def _commands_key(self, p: Params) -> str:
        scope = p.get_json("scope", "scope") or {"type": "default"}
        return json.dumps([scope, p.get_str("language_code") or ""], sort_keys=True)

    async def _set_my_commands(self, p: Params) -> bool:
        commands = p.get_json("commands", "commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            description = command.get("description") if isinstance(command, dict) else None
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name.lstrip("/")):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(p)] = [
            {"command": c["command"].lstrip("/"), "description": c["description"]} for c in commands
        ]
        return True

    async def _get_my_commands(self, p: Params) -> list[dict[str, Any]]:
        return copy.deepcopy(self._commands.get(self._commands_key(p), []))

    async def _delete_my_commands(self, p: Params) -> bool:
        self._commands.pop(self._commands_key(p), None)
        return True

    async def _send_message(self, p: Params) -> dict[str, Any]:
        text = self._format(p, "text")
        markup = parse_reply_markup(p.get_json("reply_markup", "reply keyboard markup"))
        chat = self._target_chat(p)
        reply_to = self._reply_target(chat, p)
        self._check_flood(chat)
        self._check_send_rate(chat)  # send rate section
        body: dict[str, Any] = {"text": text.text}
        if text.entities:
            body["entities"] = text.entities
        return self._bot_message(chat, body, markup, reply_to)

    async def _edit_message_text(self, p: Params) -> dict[str, Any]:
        chat, message = self._editable(p)
        text = self._format(p, "text")
        inline, keyboard = parse_reply_markup(p.get_json("reply_markup", "reply keyboard markup"))
        if keyboard is not None:
            raise bad_request("inline keyboard expected")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        if (text.text, text.entities, inline) == (
            message["text"],
            message.get("entities", []),
            message.get("reply_markup"),
        ):
            raise ApiError(400, NOT_MODIFIED)
        return self._apply_edit(chat, message, {"text": text.text, "entities": text.entities, "reply_markup": inline})

    async def _edit_message_caption(self, p: Params) -> dict[str, Any]:
        chat, message = self._editable(p)
        caption = self._format(p, "caption", caption=True)
        inline, keyboard = parse_reply_markup(p.get_json("reply_markup", "reply keyboard markup"))
        if keyboard is not None:
            raise bad_request("inline keyboard expected")
        if "text" in message:
            raise bad_request("there is no caption in the message to edit")
        if (caption.text, caption.entities, inline) == (
            message.get("caption", ""),
            message.get("caption_entities", []),
            message.get("reply_markup"),
        ):
            raise ApiError(400, NOT_MODIFIED)
        return self._apply_edit(
            chat,
            message,
            {"caption": caption.text or None, "caption_entities": caption.entities, "reply_markup": inline},
        )

    async def _edit_message_reply_markup(self, p: Params) -> dict[str, Any]:
        chat, message = self._editable(p)
        inline, keyboard = parse_reply_markup(p.get_json("reply_markup", "reply keyboard markup"))
        if keyboard is not None:
            raise bad_request("inline keyboard expected")
        if inline == message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        return self._apply_edit(chat, message, {"reply_markup": inline})

    async def _delete_message(self, p: Params) -> bool:
        chat = self._target_chat(p)
        message_id = p.get_int("message_id")
        if message_id is None or chat.messages.pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        chat.extras.pop(message_id, None)
        self.events.put_nowait(("delete", {"chat_id": chat.info["id"], "message_id": message_id}))
        return True

    async def _delete_messages(self, p: Params) -> bool:
        chat = self._target_chat(p)
        ids = p.get_json("message_ids", "message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must be a non-empty array of at most 100 identifiers")
        deleted = [int(i) for i in ids if chat.messages.pop(int(i), None) is not None]
        if not deleted:
            raise bad_request("message to delete not found")
        for message_id in deleted:
            chat.extras.pop(message_id, None)
            self.events.put_nowait(("delete", {"chat_id": chat.info["id"], "message_id": message_id}))
        return True

    async def _answer_callback_query(self, p: Params) -> bool:
        query_id = p.get_str("callback_query_id") or ""
        state = self._queries.get(query_id)
        if state is None or state.answered:
            raise ApiError(400, QUERY_TOO_OLD)
        if self.callback_query_ttl is not None and time.monotonic() - state.created > self.callback_query_ttl:
            raise ApiError(400, QUERY_TOO_OLD)
        if utf16_len(p.get_str("text") or "") > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        state.answered = True
        answer: dict[str, Any] = {key: value for key, value in p.data.items() if value not in (None, "")}
        if "show_alert" in answer:  # normalise form strings ("true") to what a JSON body would carry
            answer["show_alert"] = p.get_bool("show_alert")
        if "cache_time" in answer:
            answer["cache_time"] = p.get_int("cache_time")
        self.callback_answers.append(answer)
        self.events.put_nowait(("answer", dict(answer)))
        return True

    async def _send_chat_action(self, p: Params) -> bool:
        chat = self._target_chat(p)
        action = p.get_str("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.events.put_nowait(("action", {"chat_id": chat.info["id"], "action": action}))
        self._busy[chat.info["id"]] = time.monotonic() + CHAT_ACTION_SECONDS
        return True

    async def _send_document(self, p: Params) -> dict[str, Any]:
        return await self._send_media(p, "document")

    async def _send_photo(self, p: Params) -> dict[str, Any]:
        return await self._send_media(p, "photo")

    async def _send_media(self, p: Params, kind: str) -> dict[str, Any]:
        caption = self._format(p, "caption", caption=True)  # caption errors come before file errors
        markup = parse_reply_markup(p.get_json("reply_markup", "reply keyboard markup"))
        chat = self._target_chat(p)
        stored = self._input_file(p, kind, kind)
        body = self._media_body(caption, stored)
        reply_to = self._reply_target(chat, p)
        self._check_flood(chat)
        self._check_send_rate(chat)  # send rate section
        message_id = chat.take_message_id()
        extras = await self._save_copy(chat, stored, message_id)
        return self._bot_message(chat, body, markup, reply_to, extras, message_id=message_id)

    async def _send_media_group(self, p: Params) -> list[dict[str, Any]]:
        media = p.get_json("media", "media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("media must include 2-10 items")
        kinds = {item.get("type") if isinstance(item, dict) else None for item in media}
        if not kinds <= {"photo", "document"}:
            raise bad_request(f"the emulator supports only photo and document media, got {sorted(map(str, kinds))}")
        if len(kinds) > 1:
            raise bad_request("documents can't be mixed with other media types in a media group")
        chat = self._target_chat(p)
        reply_to = self._reply_target(chat, p)
        self._check_flood(chat)
        prepared = [self._group_item(p, item) for item in media]
        group_id = f"{self._rng.randrange(10**17, 10**18)}"
        message_ids = [chat.take_message_id() for _ in prepared]
        results = []
        for message_id, (body, stored) in zip(message_ids, prepared, strict=True):
            body["media_group_id"] = group_id
            extras = await self._save_copy(chat, stored, message_id)
            results.append(self._bot_message(chat, body, (None, None), reply_to, extras, message_id=message_id))
        return results

    def _group_item(self, p: Params, item: dict[str, Any]) -> tuple[dict[str, Any], StoredFile]:
        reference = item.get("media")
        if not isinstance(reference, str) or not reference:
            raise bad_request("media not found")
        source = p.attachment(reference)
        kind = item["type"]
        stored = (
            self._store_upload(source, kind)
            if isinstance(source, UploadedFile)
            else self._input_file(Params({kind: source}), kind, kind)
        )
        item_params = Params(
            {
                "caption": item.get("caption"),
                "parse_mode": item.get("parse_mode"),
                "caption_entities": item.get("caption_entities"),
            }
        )
        return self._media_body(self._format(item_params, "caption", caption=True), stored), stored

    async def _get_file(self, p: Params) -> dict[str, Any]:
        stored = self._files.get(p.get_str("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return stored.as_file()

    # ================================================================================================
    # Section (outbox branch): Telegram's send rate limits, inline mode, chats opened for fan-outs.
    # ================================================================================================

    def _init_outbox_section(self, send_rate_limit: int | None) -> None:
        # ``send_rate_limit``: like Telegram, a send beyond N messages in any second overall, or beyond one
        # a second in one chat, is answered 429 with the retry_after that would have let it through.
        self.send_rate_limit = send_rate_limit
        self.rate_limited: list[tuple[int, float]] = []  # (chat_id, retry_after) of every 429 given
        self._sends: deque[float] = deque()
        self._chat_sends: dict[int, float] = {}
        self.inline_answers: dict[str, dict[str, Any]] = {}
        self._inline_queries: dict[str, dict[str, Any]] = {}

    def _check_send_rate(self, chat: _ChatState) -> None:
        if self.send_rate_limit is None:
            return
        now = time.monotonic()
        while self._sends and now - self._sends[0] >= 1.0:
            self._sends.popleft()
        chat_id = chat.info["id"]
        last = self._chat_sends.get(chat_id)
        wait = 0.0
        if last is not None and now - last < 1.0:
            wait = 1.0 - (now - last)
        if len(self._sends) >= self.send_rate_limit:
            wait = max(wait, 1.0 - (now - self._sends[0]))
        if wait > 0:
            retry_after = max(1, math.ceil(wait))  # Telegram's retry_after is whole seconds
            self.rate_limited.append((chat_id, retry_after))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        self._sends.append(now)
        self._chat_sends[chat_id] = now

    def open_chat(self, user_id: int, *, first_name: str = "User", language_code: str | None = "ru") -> None:
        """The user has started the bot once (their private chat exists), without an update to handle."""
        self._touch_user(user_id, first_name=first_name, language_code=language_code)

    def is_answered(self, callback_query_id: str) -> bool:
        """Whether the bot answered the callback query (answerCallbackQuery accepted)."""
        state = self._queries.get(callback_query_id)
        return state is not None and state.answered

    def sends_to(self, chat_id: int) -> int:
        """How many messages the bot has in the chat (each accepted send made one)."""
        chat = self._chats.get(chat_id)
        return 0 if chat is None else sum(1 for m in chat.messages.values() if self._is_bot_message(m))

    def send_inline_query(
        self, user_id: int, query: str, *, chat_type: str = "sender", language_code: str | None = "ru", offset: str = ""
    ) -> str:
        """The user types ``@bot query`` in a chat; returns the inline query's id."""
        if len(query) > 256:
            raise ValueError("an inline query has at most 256 characters")
        user = self._touch_user(user_id, language_code=language_code)
        query_id = f"{self._rng.randrange(10**17, 10**18)}{next(self._seq)}"
        payload = {"id": query_id, "from": dict(user), "query": query, "offset": offset, "chat_type": chat_type}
        self._inline_queries[query_id] = {
            "created": time.monotonic(),
            "user_id": user_id,
            "answered": False,
            "query": query,
        }
        self._enqueue({"inline_query": payload})
        return query_id

    def choose_inline_result(
        self,
        user_id: int,
        query_id: str,
        result_id: str,
        *,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """The user taps a result: its message is posted (via the bot) in the chat the query came from —
        ``chat_id`` when given (a group the bot need not be in), else the user's chat with the bot — and a
        chosen_inline_result update is queued (Telegram sends it only with inline feedback on)."""
        answer = self.inline_answers.get(query_id)
        if answer is None:
            raise ValueError(f"inline query {query_id} was not answered")
        result = next((r for r in answer["results"] if r["id"] == result_id), None)
        if result is None:
            raise ValueError(f"no result {result_id!r}; results: {[r['id'] for r in answer['results']]}")
        content = result["input_message_content"]
        formatted = format_text(
            content["message_text"],
            content.get("parse_mode"),
            content.get("entities"),
            strict_ampersand=self.strict_ampersand,
            resolve_user=self._resolve_user,
        )
        target_id = user_id if chat_id is None else chat_id
        chat = self._chats.get(target_id) or self._chats.setdefault(
            target_id, _ChatState(info={"id": target_id, "type": "group", "title": "Group"})
        )
        message_id = chat.take_message_id()
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": dict(chat.info),
            "from": dict(self._users[user_id]),
            "via_bot": dict(self.bot_user),
            "text": formatted.text,
        }
        if formatted.entities:
            message["entities"] = formatted.entities
        chat.messages[message_id] = message
        user = self._users[user_id]
        self._enqueue({"chosen_inline_result": {"result_id": result_id, "from": dict(user), "query": answer["query"]}})
        return copy.deepcopy(message)

    async def _answer_inline_query(self, p: Params) -> bool:
        query_id = p.get_str("inline_query_id") or ""
        state = self._inline_queries.get(query_id)
        if state is None or state["answered"]:
            raise ApiError(400, QUERY_TOO_OLD)
        if time.monotonic() - state["created"] > 10.0:
            raise ApiError(400, QUERY_TOO_OLD)
        results = p.get_json("results", "results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            self._validate_inline_result(result, seen)
        cache_time = p.get_int("cache_time")
        if cache_time is not None and cache_time < 0:
            raise bad_request("CACHE_TIME_INVALID")
        next_offset = p.get_str("next_offset") or ""
        if len(next_offset.encode()) > 64:
            raise bad_request("NEXT_OFFSET_INVALID")
        button = p.get_json("button", "inline query results button")
        if button is not None:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
                raise bad_request("BUTTON_TEXT_INVALID")
            start = button.get("start_parameter")
            if ("web_app" in button) == (start is not None):
                raise bad_request("exactly one of start_parameter and web_app must be given")
            if start is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", str(start)):
                raise bad_request("START_PARAM_INVALID")
        state["answered"] = True
        query = state["query"]
        self.inline_answers[query_id] = {
            "results": results,
            "cache_time": 300 if cache_time is None else cache_time,
            "is_personal": p.get_bool("is_personal"),
            "button": button,
            "next_offset": next_offset,
            "query": query,
            "user_id": state["user_id"],
        }
        return True

    def _validate_inline_result(self, result: Any, seen: set[str]) -> None:
        if not isinstance(result, dict):
            raise bad_request("can't parse inline query result")
        kind = result.get("type")
        if kind != "article":  # the bot sends articles only; other types are not emulated
            raise bad_request(f"RESULT_TYPE_INVALID: {kind!r} is not emulated")
        result_id = result.get("id")
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if not isinstance(result.get("title"), str) or not result["title"].strip():
            raise bad_request("RESULT_TITLE_EMPTY")
        content = result.get("input_message_content")
        if not isinstance(content, dict) or not isinstance(content.get("message_text"), str):
            raise bad_request("MESSAGE_EMPTY")
        formatted = format_text(
            content["message_text"],
            content.get("parse_mode"),
            content.get("entities"),
            strict_ampersand=self.strict_ampersand,
            resolve_user=self._resolve_user,
        )
        if not formatted.text.strip():
            raise bad_request("MESSAGE_EMPTY")
        if "reply_markup" in result:
            _validate_inline_keyboard((result["reply_markup"] or {}).get("inline_keyboard"))


# ---------------------------------------------------------------------------- module helpers


def _json_response(payload: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json")


async def _read_multipart(request: web.Request) -> dict[str, Any]:
    """Read every part into memory; file parts become :class:`UploadedFile`, ``attach://`` is resolved."""
    fields: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.filename is not None:
            data = bytes(await part.read(decode=True))
            files[part.name] = UploadedFile(part.filename, part.headers.get("Content-Type"), data)
        else:
            fields[part.name] = await part.text()
    for key, value in list(fields.items()):
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            fields[key] = files.pop(value[9:])
    return {**fields, **files}


def _write_file(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _inline_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def _summary(message: dict[str, Any]) -> str:
    if "text" in message:
        text = message["text"]
    elif "document" in message:
        text = f"[document {message['document'].get('file_name', '')}] {message.get('caption', '')}"
    elif "photo" in message:
        text = f"[photo] {message.get('caption', '')}"
    else:
        text = "[other]"
    buttons = [b.get("text") for b in _inline_buttons(message)]
    text = text if len(text) <= 120 else text[:117] + "..."
    return f"{text!r}" + (f" buttons={buttons}" if buttons else "")
