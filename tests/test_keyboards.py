"""The keyboards' builder (bot/ui/keyboards.py): aiogram's layout, without aiogram's deep copies."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.ui.keyboards import Buttons


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
