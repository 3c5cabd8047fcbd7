"""The keyboards' builder (bot/ui/keyboards.py): aiogram's layout, without aiogram's deep copies."""

from __future__ import annotations

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.keyboard import InlineKeyboardBuilder
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.db.inspections import EXTRA_FIELDS, HEADER_FIELDS
from bot.ui.callbacks import NUMBER_MAX, DraftAct, DraftAction, ItemAct, ItemAction
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


numbers = st.integers(min_value=0, max_value=NUMBER_MAX)


@given(inspection=numbers, item=numbers, action=st.sampled_from(ItemAct))
def test_an_items_button_data_is_the_string_aiogram_packs_and_parses_back(inspection, item, action):
    data = ItemAction.data(inspection, item, action)
    assert data == ItemAction(inspection=inspection, item=item, action=action).pack()
    assert ItemAction.unpack(data) == ItemAction(inspection=inspection, item=item, action=action)


@given(inspection=numbers, action=st.sampled_from(DraftAct), step=st.sampled_from(["", *HEADER_FIELDS, *EXTRA_FIELDS]))
def test_a_drafts_button_data_is_the_string_aiogram_packs_and_parses_back(inspection, action, step):
    data = DraftAction.data(inspection, action, step)
    assert data == DraftAction(inspection=inspection, action=action, step=step).pack()
    assert DraftAction.unpack(data) == DraftAction(inspection=inspection, action=action, step=step)


@settings(max_examples=200)
@given(step=st.text(max_size=80))
def test_button_data_is_refused_where_aiogram_refuses_it(step):
    """A separator inside a value, or more than Telegram's 64 bytes: aiogram's pack raises, and so does ours."""
    try:
        expected = DraftAction(inspection=NUMBER_MAX, action=DraftAct.DEADLINES_BACK, step=step).pack()
    except ValueError:
        with pytest.raises(ValueError):
            DraftAction.data(NUMBER_MAX, DraftAct.DEADLINES_BACK, step)
    else:
        assert DraftAction.data(NUMBER_MAX, DraftAct.DEADLINES_BACK, step) == expected


@pytest.mark.parametrize("number", [-1, NUMBER_MAX + 1, True, 1.0, "7"])
def test_a_number_its_model_would_refuse_is_refused_in_button_data(number):
    with pytest.raises(ValueError):
        ItemAction.data(number, 1, ItemAct.BACK)
    with pytest.raises(ValueError):
        DraftAction.data(number, DraftAct.CANCEL)
