"""``tui.fields``: an Input or TextArea never holds a control character, however the text arrives
(constructor, ``value =``, ``load_text``/``text =``, a paste, which can carry ESC)."""
from __future__ import annotations

import pytest
from textual import events
from textual.app import App, ComposeResult

from tui.widgets.fields import Input, TextArea

RAW = "甲\x1b]52;c;eA==\x07乙\x1b[2J丙\r\n丁\t戊\u202e\x00"
ONE_LINE = "甲]52;c;eA==乙[2J丙 丁 戊"
MULTI = "甲]52;c;eA==乙[2J丙\n丁\t戊"


class Form(App):
    def compose(self) -> ComposeResult:
        yield Input(RAW, id="given")
        yield Input(id="typed")
        yield TextArea(RAW, id="area")
        yield TextArea(id="pasted")


async def test_values_given_to_the_widgets_are_clean():
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.query_one("#given", Input).value == ONE_LINE
        assert app.query_one("#area", TextArea).text == MULTI
        typed = app.query_one("#typed", Input)
        typed.value = RAW
        assert typed.value == ONE_LINE
        area = app.query_one("#area", TextArea)
        area.load_text(RAW + "!")
        assert area.text == MULTI + "!"
        area.text = "x\x1by"
        assert area.text == "xy"
        await pilot.pause()


@pytest.mark.parametrize("target, expected", [
    ("#typed", "甲]52;c;eA==乙[2J丙"),  # an Input takes the paste's first line, as Textual does
    ("#pasted", MULTI),
])
async def test_a_paste_with_escape_sequences_is_clean(target, expected):
    app = Form()
    async with app.run_test(size=(80, 24)) as pilot:
        widget = app.query_one(target)
        widget.focus()
        await pilot.pause()
        app.post_message(events.Paste(RAW))  # as the driver delivers a bracketed paste
        await pilot.pause()
        value = widget.value if isinstance(widget, Input) else widget.text
        assert value == expected


def test_no_screen_takes_input_or_text_area_from_textual_directly():
    """A screen that imported textual's own Input or TextArea would put stored text on the
    terminal unchecked again."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = []
    for path in [*root.glob("screens/*.py"), *root.glob("tui/*.py")]:
        if path.name == "fields.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual.widgets"):
                offenders += [f"{path.name}: {a.name}" for a in node.names if a.name in ("Input", "TextArea")]
            elif isinstance(node, ast.Attribute) and node.attr in ("Input", "TextArea") \
                    and isinstance(node.value, ast.Name) and node.value.id == "widgets":
                offenders.append(f"{path.name}: widgets.{node.attr}")
    assert offenders == []
