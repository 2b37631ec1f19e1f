"""The 强制报告 flow at 80x24: a teacher's talk with a sign of harm is saved, she is offered the
report, ticks the situations and fills it in; the head sees the red banner on every screen until
she confirms; the admin's banner is a count that does not open the report."""
import datetime as dt

from textual.widgets import TextArea

from models.entities import Contact, Report, Staff
from screens.confirm import ConfirmScreen
from screens.protection_form import ReportFormScreen
from screens.protection_list import ReportListScreen
from screens.talk_entry import TalkEntryScreen
from tui.app import GuanaiApp
from tui.chrome import TitleBar
from tui.context import Session
from tui.widgets.pick_list import PickListScreen

TALK = "说奶奶最近经常打他，手臂上有淤青，他不敢回家"


def app_as(school, staff):
    return GuanaiApp(Session(target=school["path"], school_id=school["school"].id, staff_id=staff.id,
                             staff_name=staff.name, school_name=school["school"].name))


def banner(app) -> str:
    return app.screen.query_one(TitleBar).banner_text()


async def settle(pilot, app):
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_a_talk_leads_to_a_report_and_the_head_confirms_it(tiny_school):
    teacher = tiny_school["staff"][0]  # 李老师, 班主任 of 三年级2班 (张小明's class)
    head = Staff.create(school=tiny_school["school"], name="潘校长", role="head", login="xiaozhang")
    admin = Staff.create(school=tiny_school["school"], name="管理员", role="admin", login="admin")
    kid = tiny_school["kids"]["张小明"]

    app = app_as(tiny_school, teacher)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1", "slash", *"zxm", "enter", "t")
        await pilot.pause()
        talk = app.screen
        assert isinstance(talk, TalkEntryScreen)
        talk.query_one("#talk-content", TextArea).load_text(TALK)
        await pilot.press("f6")  # 安全
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        saved = Contact.get((Contact.child == kid.id) & (Contact.content == TALK))  # saved before anything else
        assert saved.concerns == "安全"
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.question)
        assert "是否填写强制报告" in question and "勾选了安全" in question and "淤青" in question
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, PickListScreen)
        await pilot.press("1", "2", "enter")  # 非正常损伤, 家庭暴力
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ReportFormScreen)
        # the talk's words and time are the starting facts: nothing typed twice mid-disclosure
        assert form.query_one("#r-facts", TextArea).text == TALK
        assert form.query_one("#r-found").value == f"{saved.at:%Y-%m-%d %H:%M}"
        form.query_one("#r-facts", TextArea).load_text("")
        await pilot.press("ctrl+s")  # no facts: refused, nothing written
        await pilot.pause()
        assert app.screen is form and not Report.select().exists()
        form.query_one("#r-facts", TextArea).load_text("孩子说奶奶经常打他; 左臂有两处淤青")
        form.query_one("#r-opinion", TextArea).load_text("疑似家庭暴力")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ReportFormScreen)
        assert banner(app) == ""  # a teacher has no banner
    r = Report.get()
    assert (r.child_id, r.contact_id, r.reporter_id, r.situations, r.path) == (
        kid.id, saved.id, teacher.id, "非正常损伤、家庭暴力", "学校")
    assert r.confirmed_at is None

    app = app_as(tiny_school, admin)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "强制报告待校长确认 1 份" in banner(app) and "请提醒校长" in banner(app)
        assert "张小明" not in banner(app)
        await pilot.press("!")
        await pilot.pause()
        listing = app.screen
        assert isinstance(listing, ReportListScreen) and listing.rows == []  # a count, not the child
        assert "请提醒校长" in str(listing.query_one("#reports-note").content)

    app = app_as(tiny_school, head)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "强制报告待校长确认 1 份" in banner(app)
        await pilot.press("4")  # every screen shows it
        await pilot.pause()
        assert "强制报告待校长确认 1 份" in banner(app)
        await pilot.press("!")
        await pilot.pause()
        listing = app.screen
        assert isinstance(listing, ReportListScreen)
        assert [(v.child_name, v.reporter, v.state) for v in listing.rows] == [("张小明", "李老师", "待校长确认")]
        await pilot.press("c")  # asked first, naming the child and the situations
        await pilot.pause()
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        assert "张小明" in question.question and "非正常损伤、家庭暴力" in question.question
        assert "由学校接手" in question.question
        await pilot.press("enter", "c", "x")  # keys pressed by habit or by mistake: not a confirmation
        await pilot.pause()
        assert app.screen is question and Report.get().confirmed_at is None
        await pilot.press("n")  # not now
        await pilot.pause()
        assert app.screen is listing and Report.get().confirmed_at is None and "1 份" in banner(app)
        await pilot.press("c", "y")
        await pilot.pause()
        assert banner(app) == ""
        assert listing.rows[0].state == "处置中"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReportFormScreen)
        assert "校长 潘校长 已确认" in app.screen.header
    r = Report.get()
    assert r.confirmed_by_id == head.id and r.confirmed_at.date() == dt.date.today()


async def test_a_plain_talk_is_not_offered_a_report_and_ctrl_b_asks_for_one(tiny_school):
    teacher = tiny_school["staff"][0]
    app = app_as(tiny_school, teacher)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1", "slash", *"zxm", "enter", "t")
        await pilot.pause()
        app.screen.query_one("#talk-content", TextArea).load_text("给妈妈打电话了, 周末打球, 有点伤心")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert not isinstance(app.screen, (ConfirmScreen, TalkEntryScreen))  # no sign: back to the list
        await pilot.press("t")
        await pilot.pause()
        app.screen.query_one("#talk-content", TextArea).load_text("谈数学作业")
        await pilot.press("ctrl+b")  # saves the talk, then the checklist straight away
        await settle(pilot, app)
        assert isinstance(app.screen, PickListScreen)
        await pilot.press("escape")
        await pilot.pause()
    assert Contact.select().where(Contact.content == "谈数学作业").count() == 1 and not Report.select().exists()


async def test_a_sign_in_a_home_visit_s_own_column_offers_the_report(tiny_school):
    """Every text typed is read for a sign, the kind's own columns too: a 家访 whose 生活环境 says the
    child lives alone (脱离监护单独居住) is offered the report like a talk that says so."""
    from textual.widgets import Input

    teacher = tiny_school["staff"][0]
    app = app_as(tiny_school, teacher)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1", "slash", *"zxm", "enter", "t")
        await pilot.pause()
        entry = app.screen
        entry.form.kind = "家访"
        entry._show_kind_fields()
        entry.query_one("#talk-content", TextArea).load_text("孩子作业完成得不错")
        entry.query_one("#f-living", Input).value = "奶奶住院后一个人住在老屋"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
    assert Contact.select().where(Contact.living_conditions == "奶奶住院后一个人住在老屋").count() == 1


async def test_the_talk_log_and_the_child_page_lead_to_a_report_and_an_intervention(tiny_school):
    from models.entities import Child, Intervention
    from screens.protection_form import InterventionFormScreen

    teacher = tiny_school["staff"][0]
    kid = tiny_school["kids"]["张小明"]
    app = app_as(tiny_school, teacher)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("b")  # the selected talk (张小明's newest)
        await pilot.pause()
        assert isinstance(app.screen, PickListScreen)
        await pilot.press("3", "enter")  # 欺凌
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ReportFormScreen) and form.values["situations"] == ["欺凌"]
        assert form.contact_id == Contact.select().where(Contact.child == kid.id).order_by(Contact.at.desc()).get().id
        await pilot.press("escape", "y")  # nothing written
        await pilot.pause()
        assert not Report.select().exists()

        await pilot.press("1", "slash", *"zxm", "enter", "enter")
        await pilot.pause()
        await pilot.press("j")  # 监护情况一般: no intervention is due
        await pilot.pause()
        assert not isinstance(app.screen, InterventionFormScreen)
        Child.update(guardianship_type="无人监护").where(Child.id == kid.id).execute()
        await pilot.press("j")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, InterventionFormScreen)
        await pilot.press("ctrl+s")  # no 儿童主任: refused
        await pilot.pause()
        assert app.screen is dialog and "村儿童主任" in str(dialog.query_one("#iv-error").content)
        dialog.query_one("#iv-director").value = "王主任"
        dialog.query_one("#iv-response").value = "奶奶答应每天接送"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, InterventionFormScreen)
    iv = Intervention.get()
    assert (iv.child_id, iv.reason, iv.director, iv.recheck_due) == (
        kid.id, "无人监护", "王主任", dt.date.today() + dt.timedelta(days=7))


async def test_the_counselor_prints_a_report_and_the_register_from_the_list(tiny_school, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    from models import protection, scope

    teacher = tiny_school["staff"][0]
    counselor = Staff.create(school=tiny_school["school"], name="雷老师", role="counselor", login="xinli")
    rid = protection.create_report({"situations": ["欺凌"], "found_at": "2026-11-20 10:00", "facts": "被高年级同学打了",
                                    "path": "学校"}, tiny_school["kids"]["张小明"].id, viewer=scope.viewer_for(teacher))
    folder = tmp_path / "files"
    folder.mkdir(mode=0o700)
    monkeypatch.chdir(folder)
    app = app_as(tiny_school, counselor)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p", *"qzbg", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ReportListScreen) and [r.id for r in app.screen.rows] == [rid]
        assert not scope.may_confirm_report(app.viewer)
        await pilot.press("c")  # not hers: nothing happens
        await pilot.press("p", "l")
        await pilot.pause()
    made = sorted(p.name for p in folder.iterdir())
    assert [n.split("_")[0] for n in made] == ["强制报告单", "强制报告登记台账"], made
    form = load_workbook(folder / made[0]).active
    assert any(c.value == "被高年级同学打了" for row in form.iter_rows() for c in row)
    assert Report.get_by_id(rid).confirmed_at is None


async def test_an_unconfirmed_report_is_the_head_s_first_duty_and_t_opens_the_list(tiny_school):
    from models import protection, scope
    from screens.due import DueScreen

    teacher = tiny_school["staff"][0]
    head = Staff.create(school=tiny_school["school"], name="潘校长", role="head", login="xiaozhang")
    day = dt.datetime.now().replace(microsecond=0) - dt.timedelta(days=2)
    protection.create_report({"situations": ["遗弃"], "found_at": f"{day:%Y-%m-%d %H:%M}", "facts": "家里没人",
                              "path": "学校"}, tiny_school["kids"]["张小明"].id, viewer=scope.viewer_for(teacher),
                             now=day)
    app = app_as(tiny_school, head)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("0")
        await pilot.pause()
        due = app.screen
        assert isinstance(due, DueScreen)
        first = due.shown[0]
        assert (first.rule_name, first.child_name, first.status) == ("强制报告待确认", "张小明", "逾期")
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, ReportListScreen)


async def test_a_group_talk_offers_the_report_for_each_child_in_turn(tiny_school):
    """A group talk with a sign of harm: one question per child, in the group's order, each with
    the same checklist and form and its own saved talk as the source — not only the first child."""
    teacher = tiny_school["staff"][0]
    first, second = tiny_school["kids"]["张小明"], tiny_school["kids"]["张丽华"]
    app = app_as(tiny_school, teacher)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1", "slash", *"zxm", "enter", "t")
        await pilot.pause()
        app.screen.query_one("#talk-content", TextArea).load_text("两个孩子都说放学路上被高年级同学打")
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press(*"zlh", "enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        talks = {c.child_id: c for c in Contact.select().where(Contact.content.startswith("两个孩子"))}
        assert set(talks) == {first.id, second.id}  # both saved before any question
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        assert "1/2" in question.question and "张小明" in question.question and "张丽华" not in question.question
        await pilot.press("n")  # not for the first
        await pilot.pause()
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        assert "2/2" in question.question and "张丽华" in question.question and "提到了 打" in question.question
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, PickListScreen)
        await pilot.press("3", "enter")  # 欺凌
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ReportFormScreen)
        assert (form.child_id, form.contact_id) == (second.id, talks[second.id].id)
        assert form.query_one("#r-facts", TextArea).text == "两个孩子都说放学路上被高年级同学打"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, (ReportFormScreen, ConfirmScreen, PickListScreen))  # the turn is over
    r = Report.get()
    assert (r.child_id, r.contact_id, r.situations) == (second.id, talks[second.id].id, "欺凌")


async def test_a_group_answered_yes_twice_gets_a_report_each(tiny_school):
    teacher = tiny_school["staff"][0]
    app = app_as(tiny_school, teacher)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1", "slash", *"zxm", "enter", "t")
        await pilot.pause()
        app.screen.query_one("#talk-content", TextArea).load_text("两人都说不敢回家")
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press(*"zlh", "enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        for _ in range(2):
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await pilot.pause()
            await pilot.press("2", "enter")  # 家庭暴力
            await pilot.pause()
            assert isinstance(app.screen, ReportFormScreen)
            await pilot.press("escape", "y")  # the second is asked even when the first form is left
            await pilot.pause()
        assert not isinstance(app.screen, (ReportFormScreen, ConfirmScreen, PickListScreen))
        await pilot.press("ctrl+b")  # nothing happens outside the talk entry
    assert not Report.select().exists()


async def test_the_child_page_lists_the_reports_and_interventions_its_viewer_may_see(tiny_school):
    from models import protection, scope
    from textual.widgets import OptionList
    from screens.child_detail import ChildDetailScreen
    from screens.protection_form import InterventionViewScreen

    teacher, other = tiny_school["staff"]  # 李老师 (班主任, reporter), 赵老师 (sees 王芳's class, not the report)
    head = Staff.create(school=tiny_school["school"], name="潘校长", role="head", login="xiaozhang")
    kid = tiny_school["kids"]["张小明"]
    rid = protection.create_report({"situations": ["家庭暴力"], "found_at": "2026-11-20 10:00", "facts": "手臂淤青",
                                    "path": "学校"}, kid.id, viewer=scope.viewer_for(teacher))
    from models.entities import Child
    Child.update(guardianship_type="无人监护").where(Child.id == kid.id).execute()
    iid = protection.create_intervention({"director": "王主任", "note": "请村里照看"}, kid.id,
                                         viewer=scope.viewer_for(teacher), today=dt.date(2026, 11, 21))

    async def open_page(app, pilot, initials):
        await pilot.press("1", "slash", *initials, "enter", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ChildDetailScreen)
        return app.screen

    app = app_as(tiny_school, head)
    async with app.run_test(size=(80, 24)) as pilot:
        page = await open_page(app, pilot, "zxm")
        lines = [str(o.prompt) for o in page.query_one("#detail-protection", OptionList).options]
        assert lines == ["强制报告 2026-11-20 家庭暴力 · 待校长确认 · 报告人 李老师",
                         "监护干预 2026-11-21 无人监护 · 告知 王主任 · 11-28 复查"]
        assert page.query_one("#detail-protection").display
        await pilot.press("r", "enter")  # the first line: the report opens as its 报告单
        await pilot.pause()
        assert isinstance(app.screen, ReportFormScreen) and app.screen.report_id == rid
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is page
        await pilot.press("r", "down", "enter")  # the intervention, with its re-check
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, InterventionViewScreen) and "请村里照看" in str(dialog.query_one("#ivv-text").content)
        await pilot.press("ctrl+s")  # nothing seen yet: refused
        await pilot.pause()
        assert app.screen is dialog and "复查" in str(dialog.query_one("#ivv-error").content)
        dialog.query_one("#ivv-recheck").value = "家访: 姑姑每天来做饭"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is page
        lines = [str(o.prompt) for o in page.query_one("#detail-protection", OptionList).options]
        assert lines[1].endswith(f"{dt.date.today():%m-%d} 已复查")
    assert protection.intervention_detail(iid, viewer=scope.system_viewer()).recheck_note == "家访: 姑姑每天来做饭"

    # 李老师 filed it: hers are listed; the admin sees the intervention but not even a trace of the report
    admin = Staff.create(school=tiny_school["school"], name="管理员", role="admin", login="admin")
    for who, reports in ((teacher, 1), (admin, 0)):
        app = app_as(tiny_school, who)
        async with app.run_test(size=(80, 24)) as pilot:
            page = await open_page(app, pilot, "zxm")
            lines = [str(o.prompt) for o in page.query_one("#detail-protection", OptionList).options]
            assert sum(line.startswith("强制报告") for line in lines) == reports
            assert ("家庭暴力" in " ".join(lines)) == bool(reports)
    # a child with none: no heading, no key (r is not offered)
    app = app_as(tiny_school, head)
    async with app.run_test(size=(80, 24)) as pilot:
        page = await open_page(app, pilot, "zlh")
        assert not page.query_one("#detail-protection").display
        assert not page.query_one("#detail-protection-heading").display
        assert page.check_action("protection", ()) is False


async def test_the_admin_s_page_says_the_head_must_confirm_and_names_no_child(tiny_school):
    from models import protection, scope
    from textual.widgets import Static

    teacher = tiny_school["staff"][0]
    Staff.create(school=tiny_school["school"], name="潘校长", role="head", login="xiaozhang")
    admin = Staff.create(school=tiny_school["school"], name="管理员", role="admin", login="admin")
    protection.create_report({"situations": ["遗弃"], "found_at": "2026-11-20 10:00", "facts": "家里没人",
                              "path": "学校"}, tiny_school["kids"]["张小明"].id, viewer=scope.viewer_for(teacher))
    for keys in (("ctrl+p", *"qzbg", "enter"), ("exclamation_mark",)):
        app = app_as(tiny_school, admin)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press(*keys)
            await pilot.pause()
            page = app.screen
            assert isinstance(page, ReportListScreen) and page.rows == []
            note = str(page.query_one("#reports-note", Static).content)
            status = str(page.query_one("#reports-status", Static).content)
            assert "待校长确认的强制报告 1 份" in status and "需要校长确认: 潘校长" in note
            assert "按 c 确认" in note
            everything = note + str(page.query_one("#reports-status", Static).content)
            assert "张小明" not in everything and "李老师" not in everything and "遗弃" not in everything
            assert not page.table.display  # no empty table of children
            assert page.check_action("open", ()) is False and page.check_action("confirm", ()) is False
            await pilot.press("enter", "c")  # nothing to open or confirm
            await pilot.pause()
            assert app.screen is page
    assert Report.get().confirmed_at is None


async def test_ctrl_b_in_a_group_talk_asks_for_each_child(tiny_school):
    """ctrl+b goes straight to the checklist for one child; for a group it cannot know which child
    the teacher means, so it asks for each in turn, as the offer does."""
    teacher = tiny_school["staff"][0]
    app = app_as(tiny_school, teacher)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1", "slash", *"zxm", "enter", "t")
        await pilot.pause()
        app.screen.query_one("#talk-content", TextArea).load_text("谈数学作业")
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press(*"zlh", "enter")
        await pilot.pause()
        await pilot.press("ctrl+b")
        await settle(pilot, app)
        asked = []
        while isinstance(app.screen, ConfirmScreen):
            asked.append(app.screen.question)
            await pilot.press("n")
            await pilot.pause()
    assert len(asked) == 2 and "1/2" in asked[0] and "张丽华" in asked[1] and "这次记录" not in asked[1]
    assert Contact.select().where(Contact.content == "谈数学作业").count() == 2 and not Report.select().exists()
