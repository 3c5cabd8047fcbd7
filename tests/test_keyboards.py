"""The keyboards' builder (bot/ui/keyboards.py): aiogram's layout, without aiogram's deep copies."""

from __future__ import annotations

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.ui.callbacks import ItemAct, ItemAction
from bot.ui.keyboards import Buttons, as_json


class Wordy(CallbackData, prefix="w"):
    words: str


def labelled(n: int) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=f"b{i}", callback_data=f"x:{i}") for i in range(n)]


def test_a_keyboard_is_laid_out_exactly_as_aiograms_builder_lays_it_out():
    for sizes in [(2,), (2, 1), (1, 2, 3), (3, 3, 1)]:
        ours, theirs = Buttons(), InlineKeyboardBuilder()
        for builder in (ours, theirs):
            builder.add(*labelled(7))
            builder.adjust(*sizes)
            builder.row(*labelled(2))
        assert ours.as_markup() == theirs.as_markup(), sizes


def test_what_a_keyboard_exports_cannot_change_the_builder():
    keyboard = Buttons()
    keyboard.add(*labelled(3))
    exported = keyboard.export()
    exported[0].append(InlineKeyboardButton(text="intruder", callback_data="x:9"))
    exported.append([])
    assert [[b.text for b in row] for row in keyboard.export()] == [["b0", "b1", "b2"]]


def test_a_button_made_without_validation_is_the_one_aiogram_makes_and_sends():
    """``Buttons.button`` copies a made button instead of validating a new one; what Telegram receives (the
    markup's JSON) and what the outbox stores must not change, and callback data over 64 bytes is refused."""
    ours, theirs = Buttons(), InlineKeyboardBuilder()
    for builder in (ours, theirs):
        builder.button(text="✅ Соответствует", callback_data=ItemAction(inspection=12, item=3, action=ItemAct.BACK))
        builder.button(text="plain", callback_data="x:1")
        builder.adjust(1)
    assert ours.as_markup() == theirs.as_markup()
    assert as_json(ours.as_markup()) == as_json(theirs.as_markup())
    with pytest.raises(ValueError, match="too long"):
        Buttons().button(text="x", callback_data=Wordy(words="слово" * 7))
