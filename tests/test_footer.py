"""The key strip keeps its widgets while the keys it shows stay the same (a tab through a form),
and shows a field's own keys when that field takes the focus."""
from textual.app import App
from textual.binding import Binding
from textual.containers import Vertical

from tui.widgets.fields import Input
from tui.widgets.footer import Footer


class KeyedInput(Input):
    BINDINGS = [Binding("f5", "pick", "选择")]


class FormApp(App):
    BINDINGS = [Binding("ctrl+s", "save", "保存")]

    def compose(self):
        with Vertical():
            yield Input(id="a")
            yield Input(id="b")
            yield KeyedInput(id="c")
        yield Footer(show_command_palette=False)


def labels(app) -> list[str]:
    return [key.description for key in app.query("FooterKey")]


async def test_a_tab_between_fields_with_the_same_keys_keeps_the_strip():
    app = FormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#a").focus()
        await pilot.pause()
        before = list(app.query("FooterKey"))
        assert "保存" in labels(app) and "选择" not in labels(app)
        await pilot.press("tab")  # a -> b: the same keys
        await pilot.pause()
        assert app.focused.id == "b"
        assert list(app.query("FooterKey")) == before  # the same widgets: nothing rebuilt
        await pilot.press("tab")  # b -> c: c binds f5 of its own
        await pilot.pause()
        assert app.focused.id == "c"
        assert "选择" in labels(app)
        await pilot.press("shift+tab")
        await pilot.pause()
        assert "选择" not in labels(app) and "保存" in labels(app)


def test_no_screen_takes_textual_s_footer_directly():
    """Every screen's strip is this one: a screen with Textual's own would rebuild on every tab."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = [f"{path.name}: {alias.name}"
                 for path in [*root.glob("screens/*.py"), *root.glob("tui/*.py")]
                 for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual.widgets")
                 for alias in node.names if alias.name == "Footer"]
    assert offenders == []
