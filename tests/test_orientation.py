"""Issue 16: at 80x24 a teacher can always name the screen and the login, and every key works."""
from models.entities import Staff
from tui.app import GuanaiApp
from tui.chrome import TitleBar
from tui.context import Session
from tests.test_child_screens import care  # noqa: F401 - the fixture (a school with one child and its teacher)


def app_as(tiny_school, role="class_teacher", who=0):
    school = tiny_school["school"]
    staff = tiny_school["staff"][who]
    Staff.update(role=role).where(Staff.id == staff.id).execute()
    return GuanaiApp(Session(target=tiny_school["path"], school_id=school.id, staff_id=staff.id,
                             staff_name=staff.name, school_name=school.name))


def bar_lines(app) -> list[str]:
    bar = app.screen.query_one(TitleBar)
    return [line.plain for line in bar.render().split("\n")]


SECTION_SCREENS = [
    ("0", "待办", "DueScreen"),
    ("1", "名册", "RosterScreen"),
    ("2", "结对", "PairingBoardScreen"),
    ("3", "谈心", "TalkLogScreen"),
    ("4", "行事历", "CalendarScreen"),
    ("5", "手册", "HandbookScreen"),
]


async def test_every_section_names_itself_the_login_and_the_strip(tiny_school):
    app = app_as(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        for key, name, screen_class in SECTION_SCREENS:
            await pilot.press(key)
            await pilot.pause()
            assert type(app.screen).__name__ == screen_class
            title, strip = bar_lines(app)
            assert title.strip().startswith(name), title
            assert "李老师 班主任" in title and "测试小学" in title
            assert "0 待办  1 名册  2 结对  3 谈心  4 行事历  5 手册" in strip
            assert "? 帮助" in strip and "q 退出" in strip
            from rich.cells import cell_len

            assert cell_len(title) <= 80 and cell_len(strip) <= 80


async def test_a_section_key_lands_on_the_main_list_not_on_a_page_left_open(tiny_school):
    from screens.child_detail import ChildDetailScreen
    from screens.roster import RosterScreen

    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("enter")  # opens the first child
        await pilot.pause()
        assert isinstance(app.screen, ChildDetailScreen)
        title = bar_lines(app)[0]
        assert title.strip().startswith("名册 > "), title  # the page says where it belongs
        await pilot.press("4", "1")
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)
        assert len(app.screen_stack) == 1


async def test_a_form_with_unsaved_text_is_not_thrown_away_by_a_section_key(tiny_school):
    from screens.talk_entry import TalkEntryScreen

    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TalkEntryScreen)
        assert len(bar_lines(app)) == 1  # forms: the title line only; digits are typed there
        await pilot.press(*"abc")
        await app.run_action("section('1')")
        await pilot.pause()
        assert app.screen is form  # still there, with its text


async def test_the_talk_log_filter_shows_its_four_choices(tiny_school):
    """The date row's CSS once matched each Select's own bar (a Horizontal) and flattened it."""
    from textual.widgets import Select

    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "f")
        await pilot.pause()
        for sel, shown in (("#tlf-class", "全部班级"), ("#tlf-kind", "全部类别"), ("#tlf-staff", "全部教师"),
                           ("#tlf-mood", "全部情绪")):
            current = app.screen.query_one(sel, Select).query_one("SelectCurrent")
            assert current.content_region.height >= 1, sel
            assert shown in str(current.query_one("#label").render())


async def test_the_due_list_follows_the_date_and_live_changes(tiny_school):
    import datetime as dt

    from models.entities import Event
    from screens.due import DueScreen

    app = app_as(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("0")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DueScreen)
        assert not screen.check_date()  # same day: nothing to do
        tomorrow = dt.date.today() + dt.timedelta(days=1)
        screen.clock = lambda: tomorrow
        assert screen.check_date()
        assert f"{tomorrow:%m月%d日} 待办" in str(screen.query_one("#due-status").render())
        day = tomorrow + dt.timedelta(days=2)
        Event.create(school=tiny_school["school"], title="家长会临时通知", start_date=day)
        assert app.refresh_screen_data()  # what the live-update poll calls on a change
        await pilot.pause()
        line = str(screen.query_one("#due-remind").render())
        assert "家长会临时通知" in line or "家长会临时通知" in "".join(r.text for r in screen.upcoming)
        assert screen.query_one("#due-remind").display


FOOTER_KEYS = [  # the keys each section's footer must show within 80 columns (help lists the rest)
    ("0", {"t", "m", "k", "r"}),
    ("1", {"/", "t", "n", "e", "f", "s", "a", "i"}),
    ("2", {"a", "s", "m", "d", "t", "k", "l", "/"}),
    ("3", {"/", "t", "n", "f"}),
    ("4", {"PgUp", "PgDn", "Home", "n"}),
    ("5", {"^s", "m", "c", "o"}),
]


async def test_footers_keep_their_important_keys_at_80_columns(tiny_school):
    from textual.widgets._footer import FooterKey

    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        for section, wanted in FOOTER_KEYS:
            await pilot.press(section)
            await pilot.pause()
            visible = {k.key_display for k in app.screen.query(FooterKey)
                       if k.region.width and k.region.right <= 80}
            assert wanted <= visible, (section, wanted - visible)


async def test_a_failed_save_selects_the_bad_value_so_typing_replaces_it(care):
    """Typing after a refused save once appended to the old value (a 36-digit ID)."""
    from textual.widgets import Input

    from tests import test_child_screens as tcs

    app = tcs.make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await tcs.open_form(app, pilot, care["kid"].id)
        await tcs.focus_field(pilot, form, "id_number")
        field = form.query_one("#f-id_number", Input)
        unfocused = form.query_one("#f-address", Input).rich_style.bgcolor
        field.value = ""
        await tcs.type_text(pilot, "52010220160501002X")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.focused is field
        assert field.rich_style.bgcolor != unfocused  # the focus can be seen
        await tcs.type_text(pilot, "5")
        assert field.value == "5"


CLASS_QUERIES = [  # what a 校长 types in the handbook's class search, and the class it must find first
    ("32", "三年级2班"),
    ("3年2", "三年级2班"),
    ("五", "五年级1班"),
    ("51", "五年级1班"),
    ("全", "全校"),
]


def test_class_search_matches_digits_and_characters():
    from tui.widgets.class_picker import matches

    names = ["全校", "三年级2班", "五年级1班"]
    for query, first in CLASS_QUERIES:
        assert [n for n in names if matches(n, query)][0] == first, query
    assert not matches("三年级2班", "23")  # in order: not any of the characters anywhere


async def test_handbook_c_after_m_chooses_the_class_and_enter_never_exports(tiny_school, tmp_path, monkeypatch):
    from textual.widgets import Input, Select

    from tui.widgets.class_picker import ClassPickerScreen
    from screens.handbook import HandbookScreen

    monkeypatch.chdir(tmp_path)
    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HandbookScreen)
        month = screen.query_one("#hb-month", Input).value
        await pilot.press("m", "c")
        await pilot.pause()
        assert screen.query_one("#hb-month", Input).value == month  # the c did not go into the month
        assert isinstance(app.screen, ClassPickerScreen)
        await pilot.press(*"51", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one("#hb-class", Select).value == tiny_school["classes"][1].id
        await pilot.press("m", "enter", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.last_result is None and not list(tmp_path.glob("*.xlsx"))  # Enter never exports
        await pilot.press("o", *"abc")
        assert screen.query_one("#hb-folder", Input).value.endswith("abc")  # letters reach the folder


async def test_the_board_says_a_helpers_children_are_out_of_sight_not_that_there_are_none(tiny_school):
    import datetime as dt

    from models.entities import Pairing
    from screens.pairing_board import PairingBoardScreen

    school = tiny_school["school"]
    sun = Staff.create(school=school, name="孙老师", role="teacher", sex="女", login="sunlaoshi")
    Pairing.create(child=tiny_school["kids"]["王芳"], kind="帮扶教师", staff=sun, started_on=dt.date(2026, 9, 1))
    app = app_as(tiny_school)  # 李老师, 班主任 of 三年级2班: 王芳 (五年级1班) is out of her sight
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PairingBoardScreen)
        index = next(i for i, g in enumerate(screen.board.groups) if g.name == "孙老师")
        screen.show_group(index, row=0)
        await pilot.pause()
        said = str(screen.query_one("#pb-empty").render())
        assert "1 个孩子都不在你能看到的范围" in said and "还没有结对" not in said


def test_a_child_page_says_its_helper_left_as_the_board_does(tiny_school):
    """The board lists a child whose 帮扶教师 was deactivated as 未结对; the child page said nothing."""
    from models import children
    from models.scope import system_viewer

    li = tiny_school["staff"][0]
    kid = tiny_school["kids"]["张小明"]
    before = children.child_detail(kid.id, viewer=system_viewer())["pairings"]
    assert [p["gone"] for p in before] == [""]
    Staff.update(active=False).where(Staff.id == li.id).execute()
    after = children.child_detail(kid.id, viewer=system_viewer())["pairings"]
    assert [(p["helper"], p["gone"]) for p in after] == [("李老师", "已停用")]


async def test_opening_the_edit_form_is_a_look_in_the_history_not_a_change(care):
    from screens.child_detail import ChildDetailScreen
    from tests import test_child_screens as tcs

    app = tcs.make_app(care)
    async with app.run_test(size=(80, 24)) as pilot:
        await tcs.open_form(app, pilot, care["kid"].id)  # unmasks the numbers: one audit row
        await pilot.press("escape")
        await pilot.pause()
        app.push_screen(ChildDetailScreen(care["kid"].id))
        await pilot.pause()
        shown = tcs.screen_text(app.screen)
        assert "查看了完整号码" in shown and "修改表单" in shown
        assert "修改了" not in shown


async def test_the_talk_form_works_without_f_keys(tiny_school):
    """ctrl+letters do what F2/F3/F4-F8/F9 do, the form shows them, and the kind is one digit away."""
    from tui.widgets.pick_list import PickListScreen
    from screens.talk_entry import TalkEntryScreen

    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TalkEntryScreen)
        chips = str(form.query_one("#talk-chips").render())
        assert "^L 类别" in chips and "^R 情绪" in chips and "^T" in chips and "关注 ^N" in chips
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, PickListScreen)
        await pilot.press("7")  # 监护人座谈, the seventh kind: F2 six times before
        await pilot.pause()
        assert app.screen is form and form.form.kind == "监护人座谈"
        await pilot.press("ctrl+r", "ctrl+t")
        assert form.form.mood == "开心" and form.form.reached is False
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("2", "3", "enter")
        await pilot.pause()
        assert app.screen is form and form.form.concerns == ("心理", "安全")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("2", "escape")  # esc leaves the concerns as they were
        await pilot.pause()
        assert form.form.concerns == ("心理", "安全")
        assert "监护人座谈" in str(form.query_one("#talk-chips").render())


def test_the_palette_s_pinyin_table_is_the_titles_pinyin():
    from models.pinyin import pinyin_keys
    from tui.palette import COMMANDS

    for c in COMMANDS:
        assert (c.full, c.initials) == pinyin_keys(c.title), c.title


PALETTE_QUERIES = [  # typed, a title that must be found
    ("tx", "记录谈心"),
    ("tx", "谈心记录"),
    ("dc", "导出工作手册"),
    ("xjtx", "新记谈心"),
    ("daochu", "导出工作手册"),
    ("行事", "行事历"),
    ("drmc", "导入名册"),
]


def test_palette_matches_initials_full_pinyin_and_characters():
    from tui.palette import COMMANDS, score

    for query, title in PALETTE_QUERIES:
        command = next(c for c in COMMANDS if c.title == title)
        assert score(command, query) > 0, (query, title)
    assert score(next(c for c in COMMANDS if c.title == "退出"), "dc") == 0


async def test_the_palette_runs_a_screen_action_from_another_section(tiny_school, tmp_path, monkeypatch):
    """ctrl+p, dc, Enter on the roster: the handbook opens and exports."""
    from textual.command import CommandPalette

    from screens.handbook import HandbookScreen

    monkeypatch.chdir(tmp_path)
    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"dcgz")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, HandbookScreen)
        assert list(tmp_path.glob("*.xlsx")), "the export ran"


async def test_the_palette_offers_talk_only_where_a_child_is_selected(tiny_school):
    from tui.palette import commands_for

    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        assert {"记录谈心", "打开档案"} <= {c.title for c in commands_for(app, app.screen)}
        await pilot.press("3")
        await pilot.pause()
        titles = [c.title for c in commands_for(app, app.screen)]
        assert "记录谈心" in titles and "打开档案" not in titles  # enter there opens a talk, not a record
        await pilot.press("5")
        await pilot.pause()
        titles = [c.title for c in commands_for(app, app.screen)]
        assert "记录谈心" not in titles and "导出工作手册" in titles and "教职工账号" not in titles


def test_the_help_page_fits_its_box_and_has_a_part_for_every_section():
    """The box is 78 wide with a border and padding: 74 cells a line, or lines wrap mid-phrase."""
    from rich.cells import cell_len

    from screens.help import HELP

    assert max(cell_len(line) for line in HELP.splitlines()) <= 74
    for heading in ("待办 (0)", "名册 (1)", "结对 (2)", "谈心记录 (3)", "行事历 (4)", "手册 (5)", "记录谈心 (t)"):
        assert any(line.startswith(heading) for line in HELP.splitlines()), heading


async def test_ctrl_q_with_unsaved_text_asks_and_the_next_start_lists_the_draft(tiny_school):
    from models.entities import Child
    from screens.confirm import ConfirmScreen
    from screens.talk_entry import TalkEntryScreen

    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TalkEntryScreen)
        await pilot.press("ctrl+q")  # nothing typed: quits at once
        await pilot.pause()
        assert app.return_code is not None

    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        form = app.screen
        name = Child.get_by_id(form.main_child).name
        await pilot.press(*"ab", "ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and app.return_code is None
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form
        await pilot.press("ctrl+q", "ctrl+q")  # twice: she means it
        await pilot.pause()
        assert app.return_code is not None

    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.remind_drafts() == [f"谈心记录 {name}"]
        assert any("上次没有保存的草稿" in n.title and name in n.message for n in app._notifications)


async def test_an_unanswered_call_says_the_duty_stays_open(tiny_school):
    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("ctrl+t", *"no answer", "ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("未接通" in m and "待办仍然保留" in m for m in messages), messages


async def test_the_child_picker_shows_its_whole_hint_and_aligned_columns(tiny_school):
    from rich.cells import cell_len
    from textual.widgets import Label, OptionList

    from tui.widgets.child_picker import ChildPickerScreen

    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "n")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ChildPickerScreen)
        for label in picker.query(Label):  # nothing cut: each label fits the box's inside
            assert cell_len(str(label.render())) <= label.container_size.width
        options = picker.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        names = {"王芳", "张小明"}
        starts = {cell_len(p[:p.index("班") - 4]) for p in prompts if any(n in p for n in names)}
        assert len(starts) == 1, prompts  # 王芳 (2 characters) and 张小明 (3): the class in one column


AMBIWIDTH_CASES = [  # GUANAI_AMBIWIDTH, the login's setting, the terminal's answer -> wide, answer kept
    ("wide", "", None, True, None),
    ("narrow", "wide", True, False, None),
    ("", "wide", False, True, None),  # her choice beats the terminal's answer (not even asked)
    ("", "narrow", True, False, None),
    ("", "", True, True, True),
    ("", "seen-narrow", True, True, True),  # a new answer wins over the remembered one
    ("", "seen-wide", None, True, None),  # too slow to answer today: what it said last time
    ("", "seen-narrow", None, False, None),
    ("", "", None, False, None),
]


def test_ambiguous_width_order(monkeypatch):
    from tui import ambiwidth

    for env, login, answer, wide, kept in AMBIWIDTH_CASES:
        monkeypatch.setattr(ambiwidth, "probe", lambda fd_in, fd_out, answer=answer: answer)
        environ = {"TERM": "xterm", **({"GUANAI_AMBIWIDTH": env} if env else {})}
        assert ambiwidth.resolve(environ, login_setting=login) == (wide, kept), (env, login, answer)


def test_a_terminal_s_answer_is_remembered_for_the_login(tiny_school, monkeypatch):
    from models import settings
    from tui import ambiwidth
    from tui.cli import terminal_is_wide

    session = app_as(tiny_school).session
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("GUANAI_AMBIWIDTH", raising=False)
    monkeypatch.setattr(ambiwidth, "probe", lambda fd_in, fd_out: True)
    assert terminal_is_wide(session) is True
    assert settings.login_ambiwidth(session.school_id, session.staff_id) == "seen-wide"
    monkeypatch.setattr(ambiwidth, "probe", lambda fd_in, fd_out: None)  # a 0.4 s round trip: no answer
    assert terminal_is_wide(session) is True


async def test_a_login_chooses_its_character_width_from_the_palette(tiny_school):
    from models import settings
    from tui.widgets.pick_list import PickListScreen

    app = app_as(tiny_school)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.run_action("ambiwidth")
        await pilot.pause()
        assert isinstance(app.screen, PickListScreen)
        await pilot.press("2")
        await pilot.pause()
        assert settings.login_ambiwidth(app.session.school_id, app.session.staff_id) == "wide"


def test_a_cut_note_does_not_look_finished_in_wide_mode():
    from tui.ambiwidth import narrow

    assert narrow("今天聊了…") == "今天聊了~"


OWNED_CUTS = [  # cuts in a widget's span, which buckets are already painted -> (divide at, placeholders)
    ([0, 10, 20, 30], set(), ([30], [10, 20])),  # it wins all three buckets: one piece
    ([0, 10, 20, 30], {10}, ([10, 20, 30], [])),  # something in front at 10-20: cut around it
    ([0, 10, 20, 30], {0}, ([10, 30], [20])),
    ([5, 12], set(), ([12], [])),
]


def test_a_widget_s_line_is_cut_only_where_the_owner_changes():
    from tui.wholecells import owned_cuts

    for final_cuts, painted, expected in OWNED_CUTS:
        assert owned_cuts(final_cuts, lambda cut: cut not in painted) == expected, (final_cuts, painted)


async def test_class_names_stay_whole_in_a_dropdown_over_other_widgets(tmp_path):
    """The sample school's roster filter: the class dropdown lies over the other filters' edges,
    which cut 一年级3班 into 一年  3班 before (Textual issue #6357)."""
    import shutil
    from pathlib import Path

    from models import db as dbmod
    from models.entities import School

    db = tmp_path / "school.db"
    shutil.copyfile(Path(__file__).resolve().parent.parent / "sample.db", db)
    dbmod.open_database(str(db))
    try:
        head = Staff.get(Staff.login == "xiaozhang")
        school = School.get_by_id(head.school_id)
        app = GuanaiApp(Session(target=str(db), school_id=school.id, staff_id=head.id, staff_name=head.name,
                                school_name=school.name))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("1", "f", "enter")
            await pilot.pause()
            shown = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
            for name in ("一年级1班", "一年级3班", "二年级2班", "三年级1班", "三年级3班"):
                assert name in shown, shown
    finally:
        dbmod.current().close()


COMPACT_CLASSES = [
    (["1年1班", "1年2班", "1年3班", "3年2班"], "1年1-3班、3年2班"),
    (["1年3班", "3年1班"], "1年3班、3年1班"),
    (["1年1班", "1年3班", "2年1班", "3年1班", "4年2班"], "1年1,3班、2年1班、3年1班等"),
    (["特教班"], "特教班"),
]


def test_a_teacher_s_classes_are_written_short_and_a_cut_shows():
    from models.pairings import compact_classes
    from tui.widgets.search_picker import cell, fit

    for names, expected in COMPACT_CLASSES:
        assert compact_classes(names) == expected
    assert fit("任课 美术 1年1班、1年2班、1年3班", 24).endswith("~")  # cut lists never look whole
    assert cell("任课 美术 1年1班、1年2班、1年3班", 24).rstrip().endswith("~")
    assert fit("班主任 数学", 24) == "班主任 数学"


async def test_section_keys_work_from_the_help_page(tiny_school):
    from screens.calendar import CalendarScreen
    from screens.help import HelpScreen

    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("4")
        await pilot.pause()
        assert isinstance(app.screen, CalendarScreen)
        await pilot.press("1")
        await pilot.pause()
        assert len(app.screen_stack) == 1  # the help page did not stay behind in 名册


async def test_a_refused_talk_selects_the_bad_date_but_never_the_note(tiny_school):
    from textual.widgets import TextArea

    from screens.talk_entry import TalkEntryScreen

    app = app_as(tiny_school, role="head")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TalkEntryScreen)
        await pilot.press("ctrl+s")  # no content: the note is pointed at, not selected
        await pilot.pause()
        note = form.query_one("#talk-content", TextArea)
        assert app.focused is note and note.selected_text == ""
        await pilot.press(*"谈了")
        when = form.query_one("#f-when")
        when.value = "2026-13-45 10:00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.focused is when and when.selected_text == "2026-13-45 10:00"
        await pilot.press(*"2026-11-20 10:00")
        assert when.value == "2026-11-20 10:00"  # replaced, not appended
