"""The 汇总 sheet: the month's figures for the head's inspection (children by type, 三特生 and 建档率,
pairing coverage, duties done against due, activities and records, weekly talks with a chart, national
counts, the month's changes), then the boxes for remarks and signatures. Portrait, one page."""
from __future__ import annotations

from typing import Any

from models import child_fields, handbook
from tui.export.cells import FONT, Formats, clean, write_cell
from tui.export.layout import head, page_setup, set_widths
from tui.export.measure import LINE_PT, MIN_ROW_PT, line_count, row_height
from tui.export.streaming import add_sheet
from tui.export.table import Form

WIDTHS = (21, 10, 14, 9, 9, 9, 9, 9)  # portrait at 100 % (``fits``)


def records(s: handbook.Summary, kinds: tuple[str, ...]) -> int:
    """The month's contacts of these kinds (a record sheet's rows: 谈心, 学业辅导, 家长联系, 家访)."""
    return sum(s.contacts.get(k, 0) for k in kinds)


def write_summary(wb, s: handbook.Summary, fmt: Formats, exported: str) -> int:
    """The 汇总 sheet, written top to bottom (constant_memory needs rows in order)."""
    scope = s.scope
    ws = add_sheet(wb, "汇总")
    widths = WIDTHS
    set_widths(ws, widths)
    ncols = len(widths)
    head(ws, scope, "工作手册 · 月度汇总", ncols, fmt)
    page_setup(ws, landscape=False, header_row=None)
    form = Form(ws, widths, fmt)

    def section(title: str) -> None:
        ws.set_row(form.r, 22)
        ws.write_string(form.r, 0, title, fmt.section)
        form.skip()

    def line(values: list[tuple[Any, str]]) -> None:
        """A row of figures: a percent of nothing (no subjects) is a dash, any other missing figure blank."""
        form.line([("—" if v is None and k == "percent" else v, k if v is not None else "center") for v, k in values])

    def note(text: str) -> None:
        form.merged(text, fmt.note, max(MIN_ROW_PT, line_count(text, sum(widths) * 1.05) * (LINE_PT - 2) + 3))

    section(f"一、留守儿童人数 (在读, 截至 {scope.as_of:%m月%d日})")
    form.header(["留守类型", "人数"])
    for t, n in s.by_type.items():
        line([(t, "text"), (n, "int")])
    line([("合计", "center"), (s.children, "bold_int")])
    form.skip()

    section("二、三特生、重点帮扶对象与建档率")
    form.header(["特困", "特长", "残障", "重点帮扶对象", "档案齐全", "建档率"])
    line([(s.hardship, "int"), (s.talent, "int"), (s.disability, "int"), (s.key_target, "int"),
          (s.complete, "int"), (s.filing_rate, "percent")])
    note(f"建档率: 档案中{'、'.join(child_fields.FILING_FIELDS.values())}都已填写的留守儿童所占比例。")
    form.skip()

    section("三、结对帮扶覆盖")
    form.header(["帮扶类型", "已结对", "留守儿童", "覆盖率"])
    for p in s.pairing:
        line([(p.kind, "center"), (p.paired, "int"), (p.subjects, "int"), (p.rate, "percent")])
    form.skip()

    upto = f" (截至 {scope.as_of:%m-%d})" if scope.in_progress else ""
    section("四、关爱事项完成情况" + upto)
    form.header(["事项", "类别", "频率", "对象人数", "应完成", "已完成", "逾期人数", "完成率"])
    for d in s.duty_lines:
        line([(d.rule_name + (" (本学期)" if d.per_term else ""), "text"), (d.contact_kind, "center"),
              (d.cadence, "wrap"), (d.subjects, "int"), (d.required, "int"), (d.done, "int"), (d.overdue, "int"),
              (d.rate, "percent")])
    if scope.term is None:
        note("本月为假期 (寒假或暑假), 不计关爱事项。")
    else:
        t = scope.term
        due_by = f"本月截至 {scope.as_of:%m-%d} " if scope.in_progress else "本月"
        note(f"{t.school_year_label} {t.start:%Y-%m-%d} 开学, {t.end:%Y-%m-%d} 放假 (行事历), 假期不计。"
             f"应完成: {due_by}在学期内按规定频率到期的次数 (每学期一次的事项按本学期计); 已完成: 本月已完成的次数, "
             f"每人不超过应完成 (未接通的电话不算); 逾期人数: 截至 {scope.duty_day:%m月%d日} 逾期未完成的人数, "
             f"名单见「待办事项」。")
    form.skip()

    section("五、活动与记录" + upto)
    form.header(["活动次数", "参与人次", "谈心记录 (含心理辅导、未完成)", "家长联系", "家访", "学业辅导", "结对", "待办"])
    line([(s.activities, "int"), (s.attendance, "int"), (records(s, handbook.TALK_KINDS), "int"),
          (records(s, handbook.PARENT_KINDS), "int"), (records(s, handbook.VISIT_KINDS), "int"),
          (records(s, handbook.TUTORING_KINDS), "int"), (s.pairings, "int"), (s.open_duties, "int")])
    form.skip()

    section("六、每周谈心次数 (已完成的谈心, 不含心理辅导)")
    form.header(["周", "谈心次数"])
    first = form.r
    for start, end, n in s.weeks:
        line([(f"{start:%m-%d}~{end:%m-%d}", "center"), (n, "int")])
    last = form.r - 1
    line([("合计 (已完成的谈心)", "center"), (s.talks, "bold_int")])
    chart = wb.add_chart({"type": "column"})
    chart.add_series({
        "name": "谈心次数",
        "categories": ["汇总", first, 0, last, 0],
        "values": ["汇总", first, 1, last, 1],
        "data_labels": {"value": True},
        "fill": {"color": "#4472C4"},
    })
    chart.set_title({"name": "每周谈心次数", "name_font": {"size": 11, "name": FONT}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_font": {"name": FONT, "size": 9}})
    chart.set_y_axis({"min": 0, "major_gridlines": {"visible": True}, "num_font": {"size": 9}})
    chart.set_size({"width": 430, "height": 200})
    ws.insert_chart(first - 1, 2, chart, {"x_offset": 8, "y_offset": 0, "object_position": 2})
    form.r = max(form.r, first - 1 + 11) + 1  # leave the chart's rows free

    section("七、国家口径、年龄段与监护类型")
    form.header(["国家口径", "学校口径"])
    line([(s.national, "int"), (s.children, "int")])
    note("国家口径按 2016 年《农村留守儿童基本情况登记表》: 父母双方外出, 或一方外出、另一方无监护能力, "
         "且未满16周岁; 学校口径为名册中在读、有留守类型且父母尚未返乡的儿童。")
    form.header([*s.age_bands])
    line([(n, "int") for n in s.age_bands.values()])
    types = {t: n for t, n in s.guardianship.items()}
    form.header([*types])
    line([(n, "int") for n in types.values()])
    form.skip()

    section("八、本月留守情况变化")
    for label, names in (("本月新增留守", s.started), ("本月不再留守 (父母返乡)", s.ended)):
        text = clean(f"{len(names)} 人: " + "、".join(names)) if names else "无"
        write_cell(ws, form.r, 0, label, "center", fmt)
        form.merged(text, fmt.kinds["wrap"], row_height([(text, sum(widths[1:])), (label, widths[0])]) or MIN_ROW_PT,
                    first=1)
    form.skip()

    opinion = "九"
    if s.protection is not None:  # the whole school's handbook only (models/handbook.py says why)
        section("九、强制报告 (本月发现—报告—处置)")
        form.header(["发现", "已报告公安", "已处置结案"])
        line([(s.protection["发现"], "int"), (s.protection["报告"], "int"), (s.protection["处置"], "int")])
        note("发现: 本月填写的强制报告; 已报告公安: 教师已报警, 或由学校报告并经校长确认; 已处置结案: 已填写处置结果并结案。"
             "名单见强制报告登记台账 (校长、心理咨询室教师)。")
        form.skip()
        opinion = "十"
    section(f"{opinion}、检查意见")
    ws.merge_range(form.r, 0, form.r + 3, ncols - 1, "", fmt.kinds["wrap"])  # a box for the head's remarks by hand
    form.skip(5)
    who = "班主任签字" if scope.class_name else "填表人签字"
    form.merged(f"{who}: ____________  校长签字: ____________  检查人: ____________  日期: ____年__月__日",
                fmt.sign, 30)
    note(f"导出: {exported}")
    return 1
