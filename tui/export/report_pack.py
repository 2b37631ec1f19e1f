"""The report pack on paper (上报): one workbook of six A4 sheets — 汇总 (the two definitions side by side),
年龄段, 监护类型, 困境儿童, 控辍保学, 本期变动清单 — for a school, or with ``county`` one row per school
and the total. Counts from ``models.report_pack`` (which asks ``models.scope`` who may have which
schools); the 控辍保学 lines in the monthly sheet's columns (``tui/export/dropout.py``), 身份证号 masked
and written as text. Written like the other prints: a private temporary file (0600, no link followed)
renamed into place, with the pack's snapshot and its audit row in the same transaction. No textual."""
from __future__ import annotations

import datetime as dt
from typing import IO

from models import audit, report_pack, scope
from models.child_fields import DIFFICULTY_CATEGORIES
from models.masking import mask_id
from models.rules import GUARDIANSHIP_TYPES
from tui.export.cells import Formats, clean
from tui.export.dropout import COLS as DROPOUT_COLS
from tui.export.layout import one_sheet_workbook, page_setup, plain_title_rows, set_widths, sheet_px
from tui.export.measure import LINE_PT, TITLE_LINE_PT, merged_lines
from tui.export.publish import publish
from tui.export.paths import check_target, safe_part
from tui.export.table import Form

TITLE = "留守儿童、困境儿童统计报表"
SIGN = "填表人: __________    审核人: __________    单位负责人: __________    (盖章)    日期: ______年____月____日"
SCHOOL_W = 16
DEFINITIONS_NOTE = (
    "民政口径: 父母双方外出务工, 或一方外出务工、另一方无监护能力 (已故、服刑、重病重残等), 不满十六周岁 (按统计期末年龄)。"
    "教育统计口径: 父母一方或双方外出务工满 6 个月 (按外出时间计至统计期末), 不限年龄; 外出时间未填的不计入, 请补填。未登记父母的按留守类型计外出。"
    "两种口径不同, 人数不同是正常的: 见 两种口径均计入 / 仅民政口径 / 仅教育统计口径 三栏。")


def _sheet(wb, fmt, name: str, widths: list[float], *, landscape: bool = False) -> tuple:
    """A sheet with its columns and the print setup: A4 at 100 %, rows 0-2 repeated on every page."""
    ws = wb.add_worksheet(name)
    set_widths(ws, widths)
    page_setup(ws, widths=widths, landscape=landscape, header_row=2)
    form = Form(ws, widths, fmt)
    return ws, form


def _title(ws, form, fmt, pack, title: str, now: dt.datetime, printed_by: str, extra: str = "") -> None:
    """Rows 0 and 1, each as tall as its wrapped text needs over the table's width."""
    title = f"{pack.period.label} {TITLE} · {title}"
    line = (f"范围: {pack.label}    统计期: {pack.period.first:%Y-%m-%d} 至 {pack.period.last:%Y-%m-%d}"
            + (f"    {extra}" if extra else "")
            + f"    打印: {now:%Y-%m-%d %H:%M}" + (f" {printed_by}" if printed_by else ""))
    plain_title_rows(ws, len(form.widths), fmt, title, line)
    span = sum(sheet_px(ws))
    ws.set_row(0, 28 + (merged_lines(clean(title), span, 16) - 1) * TITLE_LINE_PT)
    ws.set_row(1, 18 + (merged_lines(clean(line), span) - 1) * LINE_PT)
    form.r = 2


def _rows(pack) -> list:
    """The schools, then their total when there are several."""
    return pack.schools + ([pack.total] if len(pack.schools) > 1 else [])


def _line(form, values: list, kinds: list[str], bold: bool = False) -> None:
    form.line([(v, "bold_int" if bold and k == "int" else k) for v, k in zip(values, kinds)])


def _summary(wb, fmt, pack, now, by) -> None:
    labels = ["序号", "学校", "在册学生", "民政口径\n留守儿童", "其中: 父母均外出", "其中: 一方外出另一方无监护能力",
              "教育统计口径\n留守儿童", "两种口径均计入", "仅民政口径", "仅教育统计口径", "外出时间未填",
              "困境儿童", "控辍保学在案"]
    widths = [4.5, SCHOOL_W, 7, 8, 8, 10, 8.5, 7.5, 7, 8.5, 7, 7, 7]
    kinds = ["int", "center", *["int"] * 11]
    ws, form = _sheet(wb, fmt, "汇总", widths, landscape=True)
    _title(ws, form, fmt, pack, "汇总", now, by)
    form.header(labels)
    for i, c in enumerate(_rows(pack), 1):
        total = c is pack.total
        _line(form, ["" if total else i, c.school, c.on_roll, c.mz, c.mz_both, c.mz_one, c.jy, c.both_defs,
                     c.mz_only, c.jy_only, c.undated, c.difficult, c.cases], kinds, bold=total)
    form.skip()
    form.merged(DEFINITIONS_NOTE, fmt.note, 42)
    form.merged("困境儿童: 按困境类别登记的儿童 (不重复计数), 分类见 困境儿童 表; 控辍保学在案: 统计期内处于辍学风险的学生, "
                "见 控辍保学 表; 本期新增、退出和变更的儿童见 本期变动清单。", fmt.note, 30)
    form.merged(SIGN, fmt.sign, 24)


def _two_definitions(wb, fmt, pack, now, by, name: str, keys: tuple[str, ...], labels: tuple[str, ...], attr: str,
                     note: str) -> None:
    widths = [4.5, SCHOOL_W, 12, *[max(7.0, min(11.0, len(label) * 1.6 + 1)) for label in labels], 7]
    kinds = ["int", "center", "center", *["int"] * (len(labels) + 1)]
    ws, form = _sheet(wb, fmt, name, widths)
    _title(ws, form, fmt, pack, name, now, by)
    form.header(["序号", "学校", "口径", *labels, "合计"])
    n = 0
    for c in _rows(pack):
        total = c is pack.total
        if not total:
            n += 1
        counts = getattr(c, attr)
        for d, definition in enumerate(report_pack.DEFINITIONS):
            values = [counts.get(k, (0, 0))[d] for k in keys]
            _line(form, ["" if total or d else n, c.school if not d else "", definition, *values, sum(values)],
                  kinds, bold=total)
    form.skip()
    form.merged(note, fmt.note, 30)


def _difficulty(wb, fmt, pack, now, by) -> None:
    labels = [*DIFFICULTY_CATEGORIES, "困境儿童人数 (不重复)", "其中留守儿童"]
    widths = [4.5, SCHOOL_W, *[max(6.0, len(c) * 1.7 + 1) for c in DIFFICULTY_CATEGORIES], 10, 8]
    kinds = ["int", "center", *["int"] * len(labels)]
    ws, form = _sheet(wb, fmt, "困境儿童", widths)
    _title(ws, form, fmt, pack, "困境儿童", now, by)
    form.header(["序号", "学校", *labels])
    for i, c in enumerate(_rows(pack), 1):
        total = c is pack.total
        _line(form, ["" if total else i, c.school, *[c.difficulty.get(k, 0) for k in DIFFICULTY_CATEGORIES],
                     c.difficult, c.difficult_left_behind], kinds, bold=total)
    form.skip()
    form.merged("一名儿童可同时属于几个困境类别, 按类别各计一次; 困境儿童人数为不重复的人数。"
                "其中留守儿童: 按任一口径计为留守儿童的。类别按档案中的 困境类别 (建档、修改档案时勾选)。", fmt.note, 30)


def _dropout(wb, fmt, pack, now, by) -> None:
    if len(pack.schools) == 1 and not pack.county:
        widths = [w for _, w, _ in DROPOUT_COLS]
        kinds = [k if k != "text" else "code" for _, _, k in DROPOUT_COLS]
        ws, form = _sheet(wb, fmt, "控辍保学", widths, landscape=True)
        c = pack.schools[0]
        _title(ws, form, fmt, pack, "控辍保学", now, by, extra=f"在案 {c.cases} 人, 期末未返校 {c.cases_open} 人")
        form.header([label for label, _, _ in DROPOUT_COLS])
        for i, r in enumerate(pack.cases, 1):
            form.line(list(zip([i, r.child_name, r.sex, r.class_name, mask_id(r.id_number) or "", r.first_absent,
                                r.reason, r.attempts, r.responsible, r.status, r.closed_on or ""], kinds)))
        if not pack.cases:
            form.merged("统计期内没有辍学风险 (连续缺课超过 3 个上学日) 的学生", fmt.empty)
        form.skip()
        form.merged(f"本期新增 {c.cases_opened} 人, 本期返校 (销号) {c.cases_closed} 人, 本期劝返 {c.attempts} 次。"
                    "连续缺课超过 3 个上学日即列为辍学风险; 学生返校即销号。", fmt.note, 30)
        return
    widths = [4.5, SCHOOL_W, 9, 9, 9, 9, 9]
    kinds = ["int", "center", *["int"] * 5]
    ws, form = _sheet(wb, fmt, "控辍保学", widths)
    _title(ws, form, fmt, pack, "控辍保学", now, by)
    form.header(["序号", "学校", "期内在案", "期末未返校", "本期新增", "本期返校 (销号)", "本期劝返次数"])
    for i, c in enumerate(_rows(pack), 1):
        total = c is pack.total
        _line(form, ["" if total else i, c.school, c.cases, c.cases_open, c.cases_opened, c.cases_closed, c.attempts],
                 kinds, bold=total)
    form.skip()
    form.merged("各校的学生名单见各校的控辍保学月报 (guanai dropout)。", fmt.note, 18)


def _changes(wb, fmt, pack, now, by) -> None:
    several = len(pack.schools) > 1 or pack.county
    cols = [("序号", 5.5, "int"), *([("学校", 14, "center")] if several else []), ("班级", 9, "center"),
            ("姓名", 8, "center"), ("变动", 5.5, "center"), ("内容", 40 if several else 48, "wrap"),
            ("民政口径", 6, "center"), ("教育统计口径", 7, "center")]
    widths = [w for _, w, _ in cols]
    kinds = [k for _, _, k in cols]
    ws, form = _sheet(wb, fmt, "本期变动清单", widths, landscape=True)
    counts = {k: sum(c.kind == k for c in pack.changes)
              for k in (report_pack.NEW, report_pack.EXITED, report_pack.CHANGED)}
    _title(ws, form, fmt, pack, "本期变动清单", now, by,
           extra=report_pack.previous_label(pack) + ": " + ", ".join(f"{k} {n} 人" for k, n in counts.items()))
    form.header([label for label, _, _ in cols])
    yes = {True: "是", False: "否"}
    for i, ch in enumerate(pack.changes, 1):
        values = [i, *([ch.school] if several else []), ch.class_name, ch.name, ch.kind, ch.what,
                  yes[bool(ch.facts.get("mz"))], yes[bool(ch.facts.get("jy"))]]
        form.line(list(zip(values, kinds)))
    if not pack.changes:
        form.merged("与上次报表相比没有变动", fmt.empty)


def write_pack(target: IO[bytes], pack: report_pack.Pack, *, printed_by: str = "",
               now: dt.datetime | None = None) -> None:
    now = (now or dt.datetime.now()).replace(microsecond=0)
    wb = one_sheet_workbook(target, f"{pack.period.label} {TITLE}", printed_by)
    fmt = Formats(wb)
    _summary(wb, fmt, pack, now, printed_by)
    _two_definitions(wb, fmt, pack, now, printed_by, "年龄段", report_pack.BANDS, report_pack.BANDS, "bands",
                     "年龄按统计期末计算; 分段 0-5岁、6-13岁、14-16岁 同《农村留守儿童基本情况登记表》汇总表。")
    _two_definitions(wb, fmt, pack, now, printed_by, "监护类型", (*GUARDIANSHIP_TYPES, report_pack.NO_TYPE),
                     (*GUARDIANSHIP_TYPES, report_pack.NO_TYPE), "guardianship",
                     "监护类型按《农村留守儿童基本情况登记表》的五类; 未填的请在档案中补填。")
    _difficulty(wb, fmt, pack, now, printed_by)
    _dropout(wb, fmt, pack, now, printed_by)
    _changes(wb, fmt, pack, now, printed_by)
    wb.close()


def default_name(pack_or_label, period_key: str | None = None) -> str:
    if isinstance(pack_or_label, report_pack.Pack):
        label, period_key = pack_or_label.label, pack_or_label.period.key
    else:
        label = pack_or_label
    return f"留守儿童统计报表_{safe_part(label, '学校')}_{safe_part(period_key or '', '本期')}.xlsx"


def export_pack(period: report_pack.Period, path: str | None, *, viewer: scope.Viewer, school=None,
                county: bool = False, force: bool = False, cwd: str | None = None,
                now: dt.datetime | None = None) -> tuple[str, report_pack.Pack]:
    """Build the pack (``ForbiddenError`` before any file for who may not have it), write it to ``path``
    (a file, a folder, or None: the default name in ``cwd``), keep its snapshot; (path, pack)."""
    from tui.export.paths import resolve_output

    pack = report_pack.build(period, viewer=viewer, school=school, county=county)
    path = check_target(resolve_output(path, default_name(pack), cwd=cwd), force=force)
    def record() -> None:
        snap = report_pack.save_snapshot(pack, staff_id=viewer.staff_id)
        audit.record("export", "report_snapshot", snap, staff_id=viewer.staff_id,
                     new={"period": pack.period.key, "scope": pack.label, "schools": len(pack.school_ids),
                          "changes": len(pack.changes), "file": path})

    publish(path, force=force, write=lambda fh: write_pack(fh, pack, printed_by=viewer.name, now=now), record=record)
    return path, pack
