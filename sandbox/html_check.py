"""Telegram text formatting, parsed the way the real Bot API does it.

The parser below is a port of TDLib's ``parse_html`` (td/telegram/MessageEntity.cpp), which is the
code behind the Bot API's ``parse_mode=HTML``, the only mode the bot uses (the Markdown modes are
answered "unsupported parse_mode").  It keeps TDLib's control flow and its error texts, so a caller can answer
``Bad Request: can't parse entities: <reason>`` exactly like Telegram.

Everything works on the UTF-8 bytes of the text (error messages report *byte* offsets, as
Telegram's do), while entity offsets/lengths are counted in UTF-16 code units.

One deliberate deviation, switchable off: in ``strict_ampersand`` mode (the default) a ``&``
that does not start a complete ``&name;``/``&#NNN;`` reference is rejected.  Telegram itself
keeps such an ampersand as a literal character, but its documentation requires escaping it,
and an unescaped ``&`` usually means user data was interpolated without ``html.escape``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EntityParseError",
    "FormattedText",
    "check_link",
    "parse_html",
    "trim_formatted",
    "utf16_len",
]

UserResolver = Callable[[int], dict[str, Any]]

_SPACE = frozenset(b" \t\r\n\0\v")  # TDLib's is_space() (the terminating NUL counts as a space)
_ALPHA = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGIT = frozenset(b"0123456789")
_ALNUM = _ALPHA | _DIGIT
_HEX = _DIGIT | frozenset(b"abcdefABCDEF")
_NAMED_ENTITIES = {b"lt": ord("<"), b"gt": ord(">"), b"amp": ord("&"), b"quot": ord('"')}
_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}
# TDLib's entity type priorities, used as the last sort key (sort_entities()).
_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
_HTML_SPECIAL = re.compile(rb"[<&]")
_TRIM_CHARS = " \t\n\r\x0b\x0c"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(.*)$", re.DOTALL)
_USER_LINK = re.compile(r"^tg:(?://)?user\?id=(\d{1,18})$", re.IGNORECASE)
_EMOJI_LINK = re.compile(r"^tg:(?://)?emoji\?id=(-?\d{1,19})$", re.IGNORECASE)
_TIME_LINK = re.compile(r"^tg:(?://)?time\?unix=(\d{1,10})(?:&format=([A-Za-z]*))?$", re.IGNORECASE)


class EntityParseError(ValueError):
    """A formatting error; ``str(exc)`` is TDLib's reason (without "can't parse entities: ")."""


@dataclass
class FormattedText:
    """Visible text plus Bot API ``MessageEntity`` dicts (offsets in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Entity:
    type: str
    offset: int
    length: int
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"offset": self.offset, "length": self.length, "type": self.type, **self.extra}


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of every Telegram length limit."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _utf16_len_bytes(chunk: bytes | bytearray) -> int:
    return utf16_len(bytes(chunk).decode("utf-8", "surrogatepass"))


def _sorted_dicts(entities: list[_Entity]) -> list[dict[str, Any]]:
    ordered = sorted(entities, key=lambda e: (e.offset, -e.length, _PRIORITY.get(e.type, 50)))
    return [entity.as_dict() for entity in ordered]


# --------------------------------------------------------------------------------------- links


def _default_user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "User"}


def check_link(url: str) -> str | None:
    """Simplified ``LinkManager::get_checked_link``: the normalised URL, or None if Telegram drops it."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    match = _SCHEME.match(url)
    if match and not (match.group(2)[:1].isdigit() and "." in match.group(1)):
        scheme = match.group(1).lower()
        if scheme in ("tg", "ton", "tonsite"):
            return url
        if scheme not in ("http", "https") or not match.group(2).startswith("//"):
            return None
        rest, needs_dot = match.group(2)[2:], False
    else:
        scheme, rest, needs_dot = "http", url, True
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    path = rest[len(host) :]
    bare_host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    if not bare_host or (needs_dot and "." not in bare_host.strip(".")):
        return None
    if not path.startswith("/"):
        path = "/" + path
    return f"{scheme}://{host}{path}"


def _link_entity(url: str, offset: int, length: int, resolve_user: UserResolver) -> _Entity | None:
    user_match = _USER_LINK.match(url)
    if user_match and int(user_match.group(1)) > 0:
        return _Entity("text_mention", offset, length, {"user": resolve_user(int(user_match.group(1)))})
    checked = check_link(url)
    if checked is None:
        return None
    return _Entity("text_link", offset, length, {"url": checked})


# ---------------------------------------------------------------------------------------- HTML


def _decode_html_entity(data: bytes, pos: int) -> tuple[int, int, bool]:
    """Port of TDLib's decode_html_entity: (code point or 0, position after it, had ';')."""
    end = pos + 1
    code = 0
    if data[end] == ord("#"):
        end += 1
        if data[end] == ord("x"):
            end += 1
            while data[end] in _HEX:
                code = code * 16 + int(chr(data[end]), 16)
                end += 1
        else:
            while data[end] in _DIGIT:
                code = code * 10 + data[end] - ord("0")
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos, False
    else:
        while data[end] in _ALPHA:
            end += 1
        code = _NAMED_ENTITIES.get(data[pos + 1 : end], 0)
        if code == 0:
            return 0, pos, False
    if data[end] == ord(";"):
        return code, end + 1, True
    return code, end, False


def _to_int32_prefix(value: str) -> int:
    match = re.match(r"-?\d+", value)
    return int(match.group(0)) if match else 0


@dataclass
class _OpenTag:
    name: str
    argument: str
    date: int
    utf16_offset: int
    out_pos: int


class _HtmlParser:
    def __init__(self, source: str, strict_ampersand: bool, resolve_user: UserResolver) -> None:
        encoded = source.encode("utf-8", "surrogatepass")
        self.data = encoded + b"\0\0\0"
        self.size = len(encoded)
        self.strict_ampersand = strict_ampersand
        self.resolve_user = resolve_user
        self.out = bytearray()
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[_Entity] = []
        self.bad_surrogate = False

    def parse(self) -> FormattedText:
        if b"\0" in self.data[: self.size]:
            raise EntityParseError("Text must not contain null bytes")
        i = 0
        while i < self.size:
            char = self.data[i]
            if char == ord("&"):
                i = self._ampersand(i)
            elif char == ord("<"):
                i = self._close_tag(i) if self.data[i + 1] == ord("/") else self._open_tag(i)
            else:
                i = self._plain(i)
        if self.stack:
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        if self.bad_surrogate:
            raise EntityParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        for entity in self.entities:
            if entity.type == "code":
                entity.extra.pop("language", None)
        return FormattedText(self.out.decode("utf-8"), _sorted_dicts(self.entities))

    def _plain(self, i: int) -> int:
        match = _HTML_SPECIAL.search(self.data, i + 1, self.size)
        end = match.start() if match else self.size
        chunk = self.data[i:end]
        self.out += chunk
        self.utf16 += _utf16_len_bytes(chunk)
        return end

    def _ampersand(self, i: int) -> int:
        code, end, had_semicolon = _decode_html_entity(self.data, i)
        if self.strict_ampersand and (code == 0 or not had_semicolon):
            raise EntityParseError(
                f'Unescaped "&" at byte offset {i}, write it as "&amp;" '
                "(strict emulator check: Telegram would show it literally)"
            )
        if code == 0:
            self.out += b"&"
            self.utf16 += 1
            return i + 1
        if 0xD800 <= code <= 0xDFFF:
            self.bad_surrogate = True
            code = 0xFFFD
        self.out += chr(code).encode("utf-8")
        self.utf16 += 2 if code > 0xFFFF else 1
        return end

    def _skip_spaces(self, i: int) -> int:
        while self.data[i] != 0 and self.data[i] in _SPACE:
            i += 1
        return i

    def _open_tag(self, begin: int) -> int:
        data = self.data
        i = begin + 1
        while data[i] not in _SPACE and data[i] != ord(">"):
            i += 1
        if data[i] == 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        name = data[begin + 1 : i].lower().decode("utf-8", "replace")
        if name not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {begin}')
        argument, date = "", 0
        while data[i] != ord(">"):
            i = self._skip_spaces(i)
            if data[i] == ord(">"):
                break
            attribute_begin = i
            while data[i] not in _SPACE and data[i] not in b"=>/\"'":
                i += 1
            attribute = bytes(data[attribute_begin:i])
            if not attribute:
                raise EntityParseError(f'Empty attribute name in the tag "{name}" at byte offset {begin}')
            i = self._skip_spaces(i)
            if data[i] != ord("="):
                if data[i] == 0:
                    raise EntityParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
                if name == "blockquote" and attribute == b"expandable":
                    argument = "1"
                continue
            i = self._skip_spaces(i + 1)
            if data[i] == 0:
                raise EntityParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
            value, i = self._attribute_value(i)
            if data[i] == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            argument, date = _apply_attribute(name, attribute, value, argument, date)
        if name == "span" and argument != "spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        self.stack.append(_OpenTag(name, argument, date, self.utf16, len(self.out)))
        return i + 1

    def _attribute_value(self, i: int) -> tuple[str, int]:
        data = self.data
        if data[i] not in b"'\"":
            token_begin = i
            while data[i] in _ALNUM or data[i] in b".-":
                i += 1
            if data[i] not in _SPACE and data[i] != ord(">"):
                raise EntityParseError(f"Unexpected end of name token at byte offset {token_begin}")
            return data[token_begin:i].lower().decode("utf-8", "replace"), i
        end_char = data[i]
        i += 1
        value = bytearray()
        while data[i] != end_char and data[i] != 0:
            if data[i] == ord("&"):
                code, end, _ = _decode_html_entity(data, i)
                if code:
                    value += chr(code).encode("utf-8", "surrogatepass")
                    i = end
                    continue
            value.append(data[i])
            i += 1
        if data[i] == end_char:
            i += 1
        return value.decode("utf-8", "replace"), i

    def _close_tag(self, begin: int) -> int:
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        data = self.data
        i = begin + 1
        while data[i] not in _SPACE and data[i] != ord(">"):
            i += 1
        end_name = data[begin + 2 : i].lower().decode("utf-8", "replace")
        while data[i] in _SPACE and data[i] != 0:
            i += 1
        if data[i] != ord(">"):
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        top = self.stack[-1]
        if end_name and end_name != top.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{top.name}>", found "</{end_name}>"'
            )
        if self.utf16 > top.utf16_offset:
            self._add_entity(top)
        self.stack.pop()
        return i + 1

    def _add_entity(self, tag: _OpenTag) -> None:
        offset, length = tag.utf16_offset, self.utf16 - tag.utf16_offset
        name, entities = tag.name, self.entities
        if name in _SIMPLE_HTML_TAGS or name == "span":
            entities.append(_Entity(_SIMPLE_HTML_TAGS.get(name, "spoiler"), offset, length))
        elif name == "tg-emoji":
            emoji_id = int(tag.argument) if re.fullmatch(r"-?\d{1,19}", tag.argument) else 0
            if emoji_id == 0:
                raise EntityParseError("Invalid custom emoji identifier specified")
            entities.append(_Entity("custom_emoji", offset, length, {"custom_emoji_id": str(emoji_id)}))
        elif name == "tg-time":
            if tag.date > 0:
                extra: dict[str, Any] = {"unix_time": tag.date}
                if tag.argument:
                    extra["date_time_format"] = tag.argument
                entities.append(_Entity("date_time", offset, length, extra))
        elif name == "a":
            url = tag.argument or self.out[tag.out_pos :].decode("utf-8", "replace")
            link = _link_entity(url, offset, length, self.resolve_user)
            if link is not None:
                entities.append(link)
        elif name == "pre":
            last = entities[-1] if entities else None
            if (
                last
                and last.type == "code"
                and (last.offset, last.length) == (offset, length)
                and (last.extra.get("language"))
            ):
                last.type = "pre"
            else:
                entities.append(_Entity("pre", offset, length))
        elif name == "code":
            last = entities[-1] if entities else None
            if last and last.type == "pre" and (last.offset, last.length) == (offset, length) and tag.argument:
                last.extra["language"] = tag.argument
            else:
                extra = {"language": tag.argument} if tag.argument else {}
                entities.append(_Entity("code", offset, length, extra))
        else:  # blockquote
            kind = "expandable_blockquote" if tag.argument else "blockquote"
            entities.append(_Entity(kind, offset, length))


def _apply_attribute(name: str, attribute: bytes, value: str, argument: str, date: int) -> tuple[str, int]:
    if name == "a" and attribute == b"href":
        return value, date
    if name == "code" and attribute == b"class" and value.startswith("language-"):
        return value[9:], date
    if name == "span" and attribute == b"class" and value.startswith("tg-"):
        return value[3:], date
    if name == "tg-emoji" and attribute == b"emoji-id":
        return value, date
    if name == "blockquote" and attribute == b"expandable":
        return "1", date
    if name == "tg-time" and attribute == b"unix":
        return argument, _to_int32_prefix(value)
    if name == "tg-time" and attribute == b"format":
        return value, date
    return argument, date


def parse_html(
    source: str, *, strict_ampersand: bool = True, resolve_user: UserResolver | None = None
) -> FormattedText:
    """Parse Telegram-flavoured HTML; raises :class:`EntityParseError` with TDLib's reason."""
    return _HtmlParser(source, strict_ampersand, resolve_user or _default_user).parse()


# ------------------------------------------------------------------------------------ trimming


def trim_formatted(formatted: FormattedText) -> FormattedText:
    """Strip leading/trailing whitespace like Telegram does, clipping entities accordingly."""
    text = formatted.text
    stripped = text.strip(_TRIM_CHARS)
    if stripped == text:
        return formatted
    shift = utf16_len(text[: len(text) - len(text.lstrip(_TRIM_CHARS))]) if stripped else 0
    total = utf16_len(stripped)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)
