"""Issue 14: the import screen lets the user choose the header row (h) and how the words of the
留守类型 and 关系 columns are read (v), at 80x24, like the column mapping."""
from __future__ import annotations

import csv

from models.entities import Child

# A legend row above the real header names three columns: taken as the header until the user
# says the header is row 3. 单亲 and 干妈 are words the user reads for the import.
ROWS = [["姓名", "性别", "出生日期"],
        [],
        ["学生姓名", "性别", "出生日期", "班级", "留守情况", "监护人", "关系"],
        ["新来的", "男", "2016-09-01", "三年级2班", "单亲", "周大山", "干妈"],
        ["又来的", "女", "2016-10-01", "三年级2班", "双亲留守", "吴秀英", "奶奶"]]


async def test_header_row_and_value_mapping_at_80x24(tiny_school, tmp_path, monkeypatch):
    from textual.widgets import DataTable, Input

    from screens.import_screen import ChoiceScreen, ImportScreen, ValueMapScreen
    from tui.app import GuanaiApp
    from tui.context import Session

    path = tmp_path / "名单.csv"
    with open(path, "w", encoding="gbk", newline="") as fh:
        csv.writer(fh).writerows(ROWS)
    monkeypatch.chdir(tmp_path)
    school, staff = tiny_school["school"], tiny_school["staff"][0]
    app = GuanaiApp(Session(target=tiny_school["path"], school_id=school.id, staff_id=staff.id,
                            staff_name=staff.name, school_name=school.name))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1", "i")  # a class teacher starts on 待办; she imports into her class
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        screen.query_one("#imp-path", Input).value = str(path)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.step == "preview" and screen.view.header_rows == (1, 1)
        assert "表头在第1行" in str(screen.query_one("#imp-info").content)

        await pilot.press("h")  # the header is row 3
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.screen is screen and screen.view.header_rows == (3, 3)
        assert screen.mapping == ["name", "sex", "birth_date", "classroom", "left_behind_type", "guardian_name",
                                  "guardian_relation"]
        assert "表头在第3行" in str(screen.query_one("#imp-info").content)
        assert screen.query_one("#imp-columns", DataTable).row_count == 7

        await pilot.press("v")
        await pilot.pause()
        values = app.screen
        assert isinstance(values, ValueMapScreen)
        grid = values.query_one(DataTable)
        shown = [[str(c) for c in grid.get_row_at(i)] for i in range(grid.row_count)]
        assert [(r[1], r[3]) for r in shown] == [("单亲", "按父母外出情况判断"), ("双亲留守", "父母均外出"),
                                                 ("奶奶", "祖父母"), ("干妈", "(无法识别: 该行会报错)")]
        await pilot.press("enter")  # 单亲 -> 母亲外出 (the third choice)
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        await pilot.press("down", "down", "down", "enter")  # 干妈 -> 其他 (the last choice)
        await pilot.pause()
        await pilot.press("end", "enter")
        await pilot.pause()
        assert app.screen is values
        assert str(grid.get_row_at(0)[3]) == "母亲外出" and str(grid.get_row_at(3)[3]) == "其他"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert screen.value_maps == {"left_behind_type": {"单亲": "母亲外出"}, "guardian_relation": {"干妈": "其他"}}

        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.report.applied and screen.report.counts["imported"] == 2, screen.report.rows
    new = Child.get(Child.name == "新来的")
    assert (new.left_behind_type, new.guardian_name, new.guardian_relation) == ("母亲外出", "周大山", "其他")
    other = Child.get(Child.name == "又来的")
    assert (other.left_behind_type, other.guardian_relation) == ("父母均外出", "祖父母")


def test_the_file_list_offers_old_xls_files(tmp_path):
    from screens.import_screen import candidate_files

    for name in ("名册.xlsx", "旧名册.xls", "名单.csv", "说明.docx", "名册-导入报告.csv"):
        (tmp_path / name).write_bytes(b"x")
    assert sorted(p.name for p in candidate_files([tmp_path])) == sorted(["名单.csv", "名册.xlsx", "旧名册.xls"])
