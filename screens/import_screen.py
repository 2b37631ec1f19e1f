"""导入: the roster's import of an Excel or CSV file, with the engine of ``guanai import``.

Three steps on one screen: pick the file; check how its columns are read (enter changes a
column's field, h which row is the header, v how the words of the 留守类型 and 关系 columns are
read, w which sheet of a workbook is shown, c the class for rows without one, u whether existing
children are updated, d a trial run); import, with a progress bar, and the list of what was
refused and why. Every roster sheet of a workbook is imported, each with its own columns.
Reading and importing run in a thread worker, each with its own database connection; the
results come back through ``call_from_thread``.
"""
from __future__ import annotations

import os
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from models import db as dbmod
from models import roster, scope
from tui import importer
from tui.widgets.fields import Input, focus_now
from tui.widgets.footer import Footer
from tui.widgets.text import clean, content, text
from tui.widgets.guard import DatabaseGuard
from tui.chrome import TitleBar

NO_FIELD = "__none__"
NO_CLASS = "__none__"


def candidate_files(folders: list[Path] | None = None, limit: int = 30) -> list[Path]:
    """Spreadsheets in the usual places (the current folder, home, desktop, downloads), newest first."""
    home = Path.home()
    folders = folders or [Path.cwd(), home, home / "Desktop", home / "桌面", home / "Downloads", home / "下载"]
    found: dict[Path, float] = {}
    for folder in folders:
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for p in entries[:2000]:
            try:
                if (p.suffix.lower() in (".xlsx", ".xls", ".csv") and not p.name.endswith(importer.REPORT_SUFFIX)
                        and p.is_file()):
                    found[p.resolve()] = p.stat().st_mtime
            except OSError:
                continue
    return sorted(found, key=lambda p: -found[p])[:limit]


class FieldPickerScreen(DatabaseGuard, ModalScreen[str | None]):
    """Which field a column holds: type characters or pinyin initials, arrows, enter."""

    DEFAULT_CSS = "FieldPickerScreen { align: center middle; }"

    BINDINGS = [
        Binding("escape", "cancel", "取消"),
        Binding("down", "down", "下一个", show=False),
        Binding("up", "up", "上一个", show=False),
    ]

    def __init__(self, header: str, current: str | None) -> None:
        super().__init__()
        self.header = header
        self.current = current
        self.choices: list[tuple[str, str, str]] = []  # (key, label, search words)
        self.shown: list[tuple[str, str, str]] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Label(content(f"“{self.header}”导入为 (汉字或拼音首字母, 回车选定, esc 取消)", one_line=True))
            yield Input(placeholder="如 jhr (监护人)", id="picker-query")
            yield OptionList(id="picker-list")

    def on_mount(self) -> None:
        from models.pinyin import pinyin_keys

        self.choices = [(NO_FIELD, "不导入", "bdr budaoru")]
        for key, label in importer.known_fields():
            full, initials = pinyin_keys(label)
            self.choices.append((key, label, f"{initials} {full} {key}"))
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        q = query.strip().lower()
        self.shown = [c for c in self.choices if not q or q in c[1] or q in c[2]]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(Option(content(label, one_line=True), id=key) for key, label, _ in self.shown)
        if self.shown:
            keys = [c[0] for c in self.shown]
            options.highlighted = keys.index(self.current) if not q and self.current in keys else 0

    @on(Input.Changed, "#picker-query")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#picker-query")
    def _submitted(self) -> None:
        options = self.query_one(OptionList)
        if self.shown and options.highlighted is not None:
            self.dismiss(self.shown[options.highlighted][0])

    @on(OptionList.OptionSelected, "#picker-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceScreen(DatabaseGuard, ModalScreen[str | None]):
    """A short list to choose from (the class for rows without one, the worksheet)."""

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen #choice-list { height: 1fr; border: none; }
    """

    BINDINGS = [Binding("escape", "cancel", "取消")]

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Label(content(f"{self.title_text}  (回车选定, esc 取消)", one_line=True))
            yield OptionList(*(Option(content(label, one_line=True), id=key) for key, label in self.choices),
                             id="choice-list")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        keys = [k for k, _ in self.choices]
        if keys:
            options.highlighted = keys.index(self.current) if self.current in keys else 0
        options.focus()

    @on(OptionList.OptionSelected, "#choice-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ValueMapScreen(DatabaseGuard, ModalScreen["dict[str, dict[str, str]] | None"]):
    """How each word of the 留守类型, 是否留守儿童 and 关系 columns is read; enter changes one
    (like a column's field), ctrl+s keeps the changes, esc drops them."""

    DEFAULT_CSS = """
    ValueMapScreen { align: center middle; }
    ValueMapScreen #values { height: 1fr; }
    """

    BINDINGS = [Binding("escape", "cancel", "取消"), Binding("ctrl+s", "keep", "确定")]

    def __init__(self, words: list[tuple[str, str, int]], maps: dict[str, dict[str, str]]) -> None:
        super().__init__()
        self.words = words
        self.maps = {k: dict(v) for k, v in maps.items()}

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Label(content("文件中的值如何导入 (回车更改, ctrl+s 确定, esc 取消)", one_line=True))
            grid = DataTable(id="values", cursor_type="row", zebra_stripes=True)
            grid.add_column("列", width=10)
            grid.add_column("文件中的值", width=16)
            grid.add_column("行数", width=4)
            grid.add_column("导入为", width=20)
            yield grid

    def on_mount(self) -> None:
        self._fill()
        self.query_one(DataTable).focus()

    def _fill(self, keep_row: int | None = None) -> None:
        grid = self.query_one(DataTable)
        grid.clear()
        for i, (key, word, count) in enumerate(self.words):
            reading = importer.value_reading(key, word, self.maps)
            grid.add_row(text(importer.VALUE_FIELDS[key]), text(word), text(count),
                         text(reading, "bold" if word in self.maps.get(key, {}) else ""), key=str(i))
        if keep_row is not None:
            grid.move_cursor(row=keep_row, animate=False)

    @on(DataTable.RowSelected, "#values")
    def _selected(self, event: DataTable.RowSelected) -> None:
        index = int(event.row_key.value)
        key, word, _ = self.words[index]
        row = event.cursor_row
        choices = [(value or importer.NOT_LEFT_BEHIND, label) for value, label in importer.value_choices(key)]

        def chosen(value: str | None) -> None:
            if value is None:
                return
            self.maps.setdefault(key, {})[word] = "" if value == importer.NOT_LEFT_BEHIND else value
            self._fill(keep_row=row)

        current = importer.value_reading(key, word, self.maps)
        self.app.push_screen(ChoiceScreen(f"“{word}”导入为", choices, current), chosen)

    def action_keep(self) -> None:
        self.dismiss(self.maps)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ImportScreen(DatabaseGuard, Screen[int]):
    """Dismissed with the number of children imported or updated (0 when none)."""

    DEFAULT_CSS = """
    ImportScreen #imp-status { height: 1; padding: 0 1; background: $boost; }
    ImportScreen #imp-file, ImportScreen #imp-preview, ImportScreen #imp-result { height: 1fr; }
    ImportScreen #imp-path { height: 1; border: none; padding: 0 1; background: $boost; }
    ImportScreen #imp-path:focus { background: $primary 30%; }
    ImportScreen .imp-hint { height: auto; padding: 0 1; color: $text-muted; }
    ImportScreen #imp-files { height: 1fr; border: none; }
    ImportScreen #imp-info { height: auto; max-height: 4; padding: 0 1; }
    ImportScreen #imp-columns, ImportScreen #imp-problems { height: 1fr; scrollbar-size-vertical: 1; }
    ImportScreen #imp-progress { height: 1; padding: 0 1; }
    ImportScreen #imp-summary { height: auto; max-height: 6; padding: 0 1; }
    ImportScreen #imp-error { height: auto; padding: 0 1; color: $error; }
    ImportScreen #imp-detail { height: auto; max-height: 4; padding: 0 1; background: $boost; }
    """

    BINDINGS = [
        Binding("escape", "back", "返回"),
        Binding("ctrl+s", "run(False)", "导入"),
        Binding("d", "run(True)", "试导入"),
        Binding("c", "choose_class", "班级"),
        Binding("u", "toggle_update", "更新已有"),
        Binding("w", "choose_sheet", "工作表"),
        Binding("h", "choose_header", "表头行"),
        Binding("v", "map_values", "值对应"),
    ]

    def __init__(self, *, start_path: str = "") -> None:
        super().__init__()
        self.start_path = start_path
        self.step = "file"  # file / preview / running / done
        self.table: importer.Table | None = None  # the first roster sheet; .more holds the others
        self.view: importer.Table | None = None  # the sheet shown
        self.mappings: dict[str, list[str | None]] = {}  # sheet -> the field of each column
        self.value_maps: dict[str, dict[str, str]] = {}  # field -> {word in the file: form value}
        self.class_id: int | None = None
        self.class_name: str | None = None
        self.update = False
        self.report: importer.ImportReport | None = None
        self.saved = 0
        self.files: list[Path] = []
        self.row_count = 0
        self.details: list[str] = []

    @property
    def mapping(self) -> list[str | None]:
        """The columns of the sheet shown."""
        return self.mappings.get(self.view.sheet, []) if self.view is not None else []

    @mapping.setter
    def mapping(self, value: list[str | None]) -> None:
        self.mappings[self.view.sheet] = value

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(id="imp-status")
        with Vertical(id="imp-file"):
            yield Static(content("文件 (.xlsx、.xls 或 .csv) 的位置, 回车读取; 或按 tab 在下面的列表中选择:"),
                         classes="imp-hint")
            yield Input(value=self.start_path, placeholder=f"如 {Path.cwd() / '名册.xlsx'}", id="imp-path")
            yield Static(id="imp-error")
            yield OptionList(id="imp-files")
        with Vertical(id="imp-preview"):
            yield Static(id="imp-info")
            table = DataTable(id="imp-columns", cursor_type="row", zebra_stripes=True)
            table.add_column("列", width=3)
            table.add_column("文件中的列名", width=18)
            table.add_column("导入为", width=14)
            table.add_column("第一行的值", width=30)
            yield table
            yield Static(content("↑↓ 选择一列, 回车 更改它导入为哪一项 (未对应的列不导入)", one_line=True),
                         classes="imp-hint")
        with Vertical(id="imp-result"):
            yield ProgressBar(id="imp-progress", show_eta=False)
            yield Static(id="imp-summary")
            problems = DataTable(id="imp-problems", cursor_type="row", zebra_stripes=True)
            problems.add_column("行", width=4)
            problems.add_column("结果", width=4)
            problems.add_column("姓名", width=6)
            problems.add_column("列", width=12)
            problems.add_column("原因", width=60)
            yield problems
            yield Static(id="imp-detail")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        if not scope.may_import(self.app.viewer):  # the roster does not offer it; models refuse it anyway
            self.notify(scope.IMPORT_FORBIDDEN, severity="warning")
            self.dismiss(0)
            return
        confined = getattr(self.app.session, "files_dir", None)  # over SSH: only the login's own folder
        self.files = candidate_files([Path(confined)] if confined else None)
        files = self.query_one("#imp-files", OptionList)
        files.add_options(Option(content(str(p), one_line=True), id=str(i)) for i, p in enumerate(self.files))
        if self.files:
            files.highlighted = 0
        else:
            files.add_option(Option(content("(当前文件夹和主目录中没有 .xlsx、.xls 或 .csv 文件)"), disabled=True))
        self._show("file")
        self.query_one("#imp-path", Input).focus()

    # -- steps ----------------------------------------------------------------------
    def _show(self, step: str) -> None:
        self.step = step
        self.query_one("#imp-file").display = step == "file"
        self.query_one("#imp-preview").display = step == "preview"
        self.query_one("#imp-result").display = step in ("running", "done")
        status = {
            "file": "导入名册 · 第1步: 选择文件",
            "preview": "导入名册 · 第2步: 核对各列 (回车更改, h 表头行, v 值对应), 然后 d 试导入 或 ctrl+s 导入",
            "running": "导入名册 · 正在处理……",
            "done": ("导入名册 · 完成 (esc 返回名册)" if self.report is None or self.report.applied
                     else "导入名册 · 试导入完成, 数据库没有改动 (esc 返回修改, ctrl+s 导入)"),
        }[step]
        self.query_one("#imp-status", Static).update(content(status, one_line=True))
        self.refresh_bindings()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "run":
            if self.step == "preview":
                return True
            # after a trial run, ctrl+s imports the same columns at once
            return (self.step == "done" and parameters == (False,) and self.report is not None
                    and not self.report.applied)
        if action in ("choose_class", "toggle_update", "choose_header", "map_values"):
            return self.step == "preview"
        if action == "choose_sheet":
            return self.step == "preview" and self.table is not None and len(self.table.tables()) > 1
        return True

    def action_back(self) -> None:
        if self.step == "preview":
            self._show("file")
            focus_now(self.query_one("#imp-path", Input))
        elif self.step == "running":
            self.notify("正在导入, 请稍候", severity="warning")
        elif self.step == "done" and not self.report.applied:
            self._show("preview")  # after a trial run: fix columns, then import
            focus_now(self.query_one("#imp-columns", DataTable))
        else:
            self.dismiss(self.saved)

    # -- step 1: the file -------------------------------------------------------------
    @on(Input.Submitted, "#imp-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip().strip('"').strip("'")
        if not path:
            self._error("请输入文件的位置, 或按 tab 在列表中选择")
            return
        self._load(path, None)

    @on(OptionList.OptionSelected, "#imp-files")
    def _file_selected(self, event: OptionList.OptionSelected) -> None:
        path = str(self.files[int(event.option.id)])
        self.query_one("#imp-path", Input).value = path
        self._load(path, None)

    def _error(self, message: str) -> None:
        self.query_one("#imp-error", Static).update(content(message))

    def _load(self, path: str, sheet: str | None) -> None:
        confined = getattr(self.app.session, "files_dir", None)
        if confined:  # a teacher over SSH reads nothing of the service account's
            from tui.context import UsageError, within

            try:
                path = within(confined, path if os.path.isabs(os.path.expanduser(path)) else os.path.join(confined, path))
            except UsageError as exc:
                self._error(str(exc))
                return
        self._error("正在读取……")
        self.read_file(path, sheet)

    @work(thread=True, exclusive=True, exit_on_error=False, group="import-read")
    def read_file(self, path: str, sheet: str | None) -> None:
        try:
            table = importer.read_table(path, sheet=sheet)
        except importer.ImportFileError as exc:
            self.app.call_from_thread(self._error, str(exc))
            return
        except Exception as exc:  # never kill the app over a strange file
            self.app.call_from_thread(self._error, f"无法读取这个文件: {type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self._loaded, table)

    def _loaded(self, table: importer.Table) -> None:
        self.table = table
        self.view = table
        self.mappings = {t.sheet: list(t.mapping) for t in table.tables()}
        self.value_maps = {}
        self._count_rows()
        self._error("")
        self._fill_columns()
        self._show("preview")
        self.query_one("#imp-columns", DataTable).focus()

    def _count_rows(self) -> None:
        texts = ([importer.cell_text(v) for v in cells] for t in self.table.tables() for _, cells in t.data_rows())
        self.row_count = sum(1 for t in texts if any(t) and not importer.is_footer(t))

    # -- step 2: the columns ------------------------------------------------------------
    def _info(self) -> str:
        t = self.view
        rows = self.row_count
        has_class = any(k in self.mapping for k in ("classroom", "grade"))
        if self.class_name:
            cls = f"没有班级的行导入到 {self.class_name}"
        elif has_class:
            cls = "班级取自文件"
        else:
            cls = "文件中没有班级列 (按 c 指定班级)"
        unmapped = sum(1 for i, k in enumerate(self.mapping) if k is None and t.headers[i])
        parts = [importer.describe_file(self._report_stub()), f"{rows} 行数据", cls,
                 "已有的孩子: 更新档案" if self.update else "已有的孩子: 跳过 (u 改为更新)"]
        tables = self.table.tables()
        if len(tables) > 1:
            parts.insert(1, f"导入 {len(tables)} 个工作表: {'、'.join(x.sheet for x in tables)} (w 切换查看)")
        for sheet, why in self.table.skipped:
            parts.insert(2, f"跳过工作表 “{sheet}”: {why}")
        if unmapped:
            parts.append(f"{unmapped} 列未对应 (选中后回车指定)")
        return " · ".join(parts)

    def _report_stub(self) -> importer.ImportReport:
        t = self.view
        return importer.ImportReport(path=t.path, kind=t.kind, encoding=t.encoding, sheet=t.sheet,
                                     header_row=t.header_row, headers=t.headers, mapping=self.mapping,
                                     header_first=t.header_rows[0])

    def _fill_columns(self, keep_row: int | None = None) -> None:
        t = self.view
        grid = self.query_one("#imp-columns", DataTable)
        grid.clear()
        for i, header in enumerate(t.headers):
            key = self.mapping[i] if i < len(self.mapping) else None
            if not header and key is None and not t.sample(i):
                continue
            label = importer.field_label(key)
            grid.add_row(text(importer.column_letter(i)), text(header), text(label, "" if key else "dim"),
                         text(t.sample(i)), key=str(i))
        self.query_one("#imp-info", Static).update(content(self._info()))
        if keep_row is not None:
            grid.move_cursor(row=keep_row, animate=False)

    @on(DataTable.RowSelected, "#imp-columns")
    def _column_selected(self, event: DataTable.RowSelected) -> None:
        col = int(event.row_key.value)
        row_index = event.cursor_row
        header = self.view.headers[col] or f"{importer.column_letter(col)}列"
        current = self.mapping[col]

        def chosen(key: str | None) -> None:
            if key is None:
                return
            new = None if key == NO_FIELD else key
            if new is not None:  # one column per field: the other column lets go
                self.mapping = [None if k == new else k for k in self.mapping]
            self.mapping[col] = new
            self._fill_columns(keep_row=row_index)

        self.app.push_screen(FieldPickerScreen(header, current), chosen)

    def action_choose_class(self) -> None:
        viewer = self.app.viewer
        # only the classes the viewer may import into (a class teacher: the classes she heads)
        choices = [(NO_CLASS, "不指定")] + [(str(cid), name) for cid, name in roster.classrooms(self.app.school_id)
                                          if scope.may_import_into(viewer, cid)]

        def chosen(key: str | None) -> None:
            if key is None:
                return
            if key == NO_CLASS:
                self.class_id, self.class_name = None, None
            else:
                self.class_id = int(key)
                self.class_name = dict(choices)[key]
            self._fill_columns()

        suggested = self.class_id if self.class_id is not None else importer.suggest_class(self.view,
                                                                                          self.app.school_id)
        current = str(suggested) if suggested is not None else NO_CLASS
        self.app.push_screen(ChoiceScreen("没有班级的行导入到哪个班", choices, current), chosen)

    def action_toggle_update(self) -> None:
        self.update = not self.update
        self._fill_columns()

    def action_choose_sheet(self) -> None:
        """Show another of the roster sheets (all of them are imported, each with its columns)."""
        tables = {t.sheet: t for t in self.table.tables()}

        def chosen(name: str | None) -> None:
            if name is not None and name in tables and name != self.view.sheet:
                self.view = tables[name]
                self._fill_columns()

        self.app.push_screen(ChoiceScreen("查看哪个工作表 (都会导入)", [(s, s) for s in tables], self.view.sheet),
                             chosen)

    def action_choose_header(self) -> None:
        """Which row of the sheet shown is its header (the last row of a two-row header)."""
        view = self.view
        choices = []
        for n, cells in enumerate(view.rows[:importer.HEADER_SCAN], start=1):
            texts = [importer.cell_text(v) for v in cells if importer.cell_text(v)]
            choices.append((str(n), f"第{n}行: " + (" | ".join(texts)[:60] or "(空行)")))

        def chosen(key: str | None) -> None:
            if key is None or int(key) == view.header_row:
                return
            try:
                new = importer.with_header_row(view, int(key))
            except importer.ImportFileError as exc:
                self.notify(clean(str(exc)), severity="error")
                return
            if view is self.table:
                self.table = new
            else:
                self.table.more = [new if t is view else t for t in self.table.more]
            self.view = new
            self.mappings[new.sheet] = list(new.mapping)
            self._count_rows()
            self._fill_columns()

        self.app.push_screen(ChoiceScreen("哪一行是表头 (两行的表头选下面一行)", choices, str(view.header_row)),
                             chosen)

    def action_map_values(self) -> None:
        words = importer.value_words(self.table.tables(), self.mappings)
        if not words:
            self.notify("没有留守类型、是否留守儿童或关系列: 没有要对应的值", severity="warning")
            return

        def changed(maps: dict[str, dict[str, str]] | None) -> None:
            if maps is not None:
                self.value_maps = maps

        self.app.push_screen(ValueMapScreen(words, self.value_maps), changed)

    # -- step 3: check or import ------------------------------------------------------------
    def action_run(self, dry_run: bool) -> None:
        if self.table is None or self.step not in ("preview", "done"):
            return
        if "name" not in self.mapping:
            self.notify("还没有“姓名”列: 请选中姓名所在的列, 回车指定为“姓名”", severity="error")
            return
        if self.step == "done" and self.report is not None and self.report.applied:
            return
        bar = self.query_one("#imp-progress", ProgressBar)
        bar.update(total=None, progress=0)
        self.query_one("#imp-summary", Static).update(content("正在检查……"))
        self.query_one("#imp-problems", DataTable).clear()
        self._show("running")
        self.import_rows(dry_run)

    def _progress(self, done: int, total: int, stage: str) -> None:
        self.query_one("#imp-progress", ProgressBar).update(total=max(total, 1), progress=done)
        self.query_one("#imp-summary", Static).update(content(f"正在{stage}: {done}/{total}"))

    @work(thread=True, exclusive=True, exit_on_error=False, group="import-run")
    def import_rows(self, dry_run: bool) -> None:
        call = self.app.call_from_thread
        progress = lambda done, total, stage: call(self._progress, done, total, stage)  # noqa: E731
        try:
            with dbmod.current().connection_context():
                report = importer.plan(self.table, self.mappings[self.table.sheet], school_id=self.app.school_id,
                                       viewer=self.app.viewer, class_name=self.class_name, update=self.update,
                                       progress=progress, mappings=self.mappings, value_maps=self.value_maps)
                report.dry_run = dry_run
                if not dry_run and not report.nothing_importable:
                    importer.apply(report, school_id=self.app.school_id, staff_id=self.app.staff_id,
                                   viewer=self.app.viewer, progress=progress)
                importer.write_report_csv(report)
        except (importer.ImportFileError, importer.ForbiddenError) as exc:
            call(self._failed, str(exc))
            return
        except Exception as exc:  # the transaction rolled back: nothing was written
            call(self._failed, f"导入失败, 数据库没有改动: {type(exc).__name__}: {exc}")
            return
        call(self._finished, report)

    @on(DataTable.RowHighlighted, "#imp-problems")
    def _problem_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.details):  # the whole reason, which the column cuts short
            self.query_one("#imp-detail", Static).update(content(self.details[event.cursor_row]))

    def _failed(self, message: str) -> None:
        self.report = None
        self._show("preview")
        self.query_one("#imp-info", Static).update(content(f"{message}\n{self._info()}"))
        self.query_one("#imp-columns", DataTable).focus()
        self.notify(clean(message), severity="error", timeout=8)

    def _finished(self, report: importer.ImportReport) -> None:
        self.report = report
        if report.applied:
            self.saved += report.count(importer.NEW) + report.count(importer.UPDATE)
        bar = self.query_one("#imp-progress", ProgressBar)
        bar.update(total=1, progress=1)
        lines = [report.summary() + ("" if report.applied else " (试导入, 数据库没有改动)")]
        lines += [f"注意: {n}" for n in report.notes]
        if report.report_path:
            lines.append(f"报告: {report.report_path}")
        if report.report_note:
            lines.append(report.report_note)
        self.query_one("#imp-summary", Static).update(content("\n".join(lines)))
        grid = self.query_one("#imp-problems", DataTable)
        grid.clear()
        order = {importer.ERROR: 0, importer.UPDATE: 1, importer.DUPLICATE: 2, importer.NEW: 3}
        shown = 0
        self.details = []
        several = report.several_sheets
        sheets = {p.sheet: i for i, p in enumerate(report.sheets)}
        for r in sorted(report.rows, key=lambda r: (order[r.outcome] if not r.warnings else 1,
                                                   sheets.get(r.sheet, 0), r.row)):
            if (r.outcome == importer.NEW and not r.warnings) or shown >= 2000:
                continue
            where = r.where(several)
            row_label = f"{r.sheet}:{r.row}" if several else r.row
            if r.outcome == importer.ERROR:
                for column, reason in r.problems:
                    grid.add_row(text(row_label), text(r.outcome, "bold"), text(r.name), text(column), text(reason))
                    self.details.append(f"{where} {r.name} {column}: {reason}")
                    shown += 1
            else:
                reason = "; ".join(filter(None, [r.note, *r.warnings]))
                grid.add_row(text(row_label), text(r.outcome), text(r.name), text(""), text(reason))
                self.details.append(f"{where} {r.name}: {r.outcome} — {reason}")
                shown += 1
        detail = self.query_one("#imp-detail", Static)
        detail.display = bool(self.details)
        if self.details:
            detail.update(content(self.details[0]))
        self._show("done")
        grid.focus()
        if report.applied:
            self.notify(clean(report.summary()), timeout=5)
