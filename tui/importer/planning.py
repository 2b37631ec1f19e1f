"""``plan``: every data row checked and matched against the school's children; nothing is written (``--dry-run``)."""
from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from models import rules
from models import scope
from models.children import PreloadedLookup
from models.children import change_label
from models.children import child_changes
from models.children import display_value
from models.children import fill_from_id
from models.children import find_same_child
from models.children import load_form_values
from models.children import validate_child
from models.entities import Child
from models.masking import mask_value
from models.scope import ForbiddenError
from models.scope import Viewer
from models.validation import Invalid
from models.validation import validate_date
from models.validation import validate_id_number
from models.validation import validate_name
from models.validation import validate_student_no
from tui.importer.cells import Damaged, _excel_serial, cell_text, column_letter, number_text
from tui.importer.fields import IGNORED, ImportFileError, PARENTS, PARENT_SUBS, Progress, _norm_header, field_label
from tui.importer.reading import DUPLICATE, ERROR, NEW, Table, UPDATE
from tui.importer.values import BOOL_KEYS, CHOICE_TABLES, ClassIndex, DECEASED_WORDS, EMPTY_MARKS, FALSE_WORDS, LEFT_BEHIND_FLAGS, MULTI_TABLES, NAME_KEYS, NOT_AWAY_WORDS, NUMBER_KEYS, PHONE_KEYS, TRUE_WORDS, _away_by_kind, _away_from, _id_from_student_no, _word_key, normalise_choice, normalise_multi, parse_class, person_name, split_work_place


@dataclass
class RowResult:
    row: int  # 1-based, as Excel numbers it
    outcome: str  # NEW / UPDATE / DUPLICATE / ERROR
    name: str
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, reason)
    note: str = ""  # for a duplicate: whom it matches; for an update: what changes
    changes: list[str] = field(default_factory=list)
    values: dict | None = None  # clean values to save
    child_id: int | None = None  # the existing child an update goes to
    cells: list[str] = field(default_factory=list)
    sheet: str = ""  # the worksheet the row is on
    warnings: list[str] = field(default_factory=list)  # imported, but the teacher should look: 可能重复 …

    def where(self, several_sheets: bool) -> str:
        """第5行, or 工作表“四年级”第5行 when the file has several roster sheets."""
        return f"工作表“{self.sheet}”第{self.row}行" if several_sheets else f"第{self.row}行"


@dataclass
class SheetPart:
    """One worksheet of the file: its header and how many rows were read, or why it was skipped."""
    sheet: str
    header_rows: tuple[int, int] | None = None
    headers: list[str] = field(default_factory=list)
    mapping: list[str | None] = field(default_factory=list)
    skipped: str = ""  # why the sheet was not imported ('' when it was)
    read: int = 0


@dataclass
class ImportReport:
    path: str
    kind: str
    encoding: str
    sheet: str
    header_row: int
    headers: list[str]
    mapping: list[str | None]
    rows: list[RowResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = True
    update: bool = False
    applied: bool = False
    report_path: str = ""
    report_note: str = ""
    header_first: int = 0  # 1-based first header row (0: the same as header_row)
    sheets: list[SheetPart] = field(default_factory=list)

    @property
    def header_rows(self) -> tuple[int, int]:
        """1-based first and last row taken as the header."""
        return (self.header_first or self.header_row), self.header_row

    @property
    def several_sheets(self) -> bool:
        return len(self.sheets) > 1

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {"read": len(self.rows), "imported": self.count(NEW), "updated": self.count(UPDATE),
                "duplicates": self.count(DUPLICATE), "rejected": self.count(ERROR)}

    @property
    def nothing_importable(self) -> bool:
        """Rows were refused and not one row was good (new, an update or already there):
        ``guanai import`` exits 2 and writes nothing."""
        c = self.counts
        return c["rejected"] > 0 and c["imported"] + c["updated"] + c["duplicates"] == 0

    def summary(self) -> str:
        c = self.counts
        will = "" if self.applied else "将"
        return (f"读取 {c['read']} 行: {will}导入 {c['imported']}, {will}更新 {c['updated']}, "
                f"重复跳过 {c['duplicates']}, 有错误 {c['rejected']}")


_FOOTER = re.compile(r"\s*(填表人|单位负责人|负责人|复核人|审核人|制表人?|填报人|合计|总计|小计|填表日期|制表日期|"
                     r"单位盖章|签字|签名|注|备注|说明|附注)\s*([:：]|$)")


def is_footer(texts: list[str]) -> bool:
    """The signature lines under a form (填表人: 张老师  审核人: 李校长): a row that starts with one."""
    filled = [t for t in texts if t]
    return len(filled) <= 6 and bool(_FOOTER.match(filled[0]))


class _ScopedLookup(PreloadedLookup):
    """``PreloadedLookup`` that never names a child the viewer may not see: validate_child's
    "身份证号已登记给 张小明 (三年级1班)" would otherwise tell a class teacher's trial run who has
    a number in another class."""

    def __init__(self, viewer: Viewer) -> None:
        super().__init__()
        self.viewer = viewer

    def other_child(self, field: str, value: str, child_id: int | None) -> str | None:
        if value not in self.taken[field]:
            return None
        q = Child.select(Child.id).where(getattr(Child, field) == value)
        if child_id is not None:
            q = q.where(Child.id != child_id)
        other = q.scalar()
        if other is None:
            return None
        if not scope.can_see(self.viewer, other):
            return HIDDEN_CHILD
        return super().other_child(field, value, child_id)


HIDDEN_CHILD = "另一份档案 (不在你的查看范围内)"


class _Planner:
    def __init__(self, table: Table, mapping: list[str | None], *, school_id: int, class_id: int | None,
                 update: bool, today: dt.date, classes: ClassIndex, viewer: Viewer) -> None:
        self.viewer = viewer
        self.visible: dict[int, bool] = {}  # existing child id -> may the viewer see it
        self.school_id = school_id
        self.class_id = class_id
        self.update = update
        self.today = today
        self.classes = classes
        self.value_maps: dict[str, dict[str, str]] = {}  # the screen's choices: field -> {word: form value}
        # identity keys of earlier rows (of every sheet) -> their row, as 工作表“四年级”第5行 or 第5行
        self.seen: dict[tuple, str] = {}
        self.seen_ids: dict[tuple, str] = {}  # (name, birth) -> the valid 身份证号 of the earlier row
        self.existing = _existing_keys(school_id)
        self.lookup = _ScopedLookup(viewer)  # validate_child's questions, without a query per row
        self.several = False
        self.beyond = 0  # rows with something right of the header (a workbook's notes)
        self.inherited = 0  # rows whose blank 班级 took the class above (a merged cell saved as CSV)
        self.use(table, mapping)

    def use(self, table: Table, mapping: list[str | None]) -> None:
        """Plan the rows of ``table`` next (a workbook's next roster sheet); what identifies the
        children already seen is kept, so a child on two sheets is one child."""
        self.table = table
        self.mapping = mapping
        self.col_of: dict[str, int] = {}
        for i, k in enumerate(mapping):
            if k and k != IGNORED and k not in self.col_of:
                self.col_of[k] = i
        self.header_norm = [_norm_header(h) for h in table.headers]
        self.section_class: int | None = None  # from a banner row such as 三年级2班 above its children
        self.last_class: Any = None  # the 班级 cell of the row above
        self.merged_classes = self._merged_classes()

    def _merged_classes(self) -> bool:
        """A CSV saved from a sheet whose 班级 cells were merged down each class: the first pupil
        has a class (a merged block starts there) and the others below it are blank. A list whose
        first pupil has no class is not one (its blank rows are 未分班, or --class)."""
        col = self.col_of.get("classroom")
        if self.table.kind != "csv" or col is None:
            return False
        name_col = self.col_of.get("name")
        for _, cells in self.table.data_rows():
            if name_col is not None and name_col < len(cells) and cell_text(cells[name_col]):
                return col < len(cells) and bool(cell_text(cells[col]))
        return False

    def sees(self, child_id: int) -> bool:
        if child_id not in self.visible:
            self.visible[child_id] = scope.can_see(self.viewer, child_id)
        return self.visible[child_id]

    def shown(self, match: dict) -> str:
        """An existing child as a message may name it: '张小明 (三年级2班, 身份证号相同)', or no
        name or class when the viewer may not see the child (only that a record exists)."""
        if self.sees(match["id"]):
            return f"{match['name']} ({match['class_name']}, {match['reason']})"
        return f"{HIDDEN_CHILD} ({match['reason']})"

    def refused_class(self, classroom_id: int | None) -> str | None:
        """Why the viewer may not import a child into this class (None: allowed); models.scope decides."""
        try:
            scope.require_import(self.viewer, self.school_id, classroom_id)
        except ForbiddenError as exc:
            return str(exc)
        return None

    def class_column(self) -> str:
        return self.column("classroom") or self.column("grade")

    def column(self, key: str) -> str:
        """How a message names the column holding ``key``: 身份证号码 (D列)."""
        col = self.col_of.get(key)
        if col is None:
            return ""
        header = self.table.headers[col] if col < len(self.table.headers) else ""
        return f"{header or field_label(key)}({column_letter(col)}列)"

    def error_field(self, err_key: str) -> str:
        """The column's field for an error key of ``validate_child`` (father_phone -> father.phone)."""
        for p in PARENTS:
            if err_key.startswith(p + "_"):
                sub = err_key[len(p) + 1:]
                if sub in ("work_province", "work_city") and f"{p}.{sub}" not in self.col_of:
                    return f"{p}.work_place"
                return f"{p}.{sub}"
        if err_key in ("birth_date", "sex") and err_key not in self.col_of:
            return "id_number"
        if err_key == "classroom" and "classroom" not in self.col_of:
            return "grade"
        return err_key

    def problems(self, errors: dict[str, str]) -> list[tuple[str, str]]:
        """(column, reason) in the order of the file's columns."""
        found = []
        for key, message in errors.items():
            where = self.error_field(key)
            message = message.replace("请选择", "请填写")
            found.append((self.col_of.get(where, 10**6), self.column(where), message))
        return [(column, message) for _, column, message in sorted(found, key=lambda f: f[0])]

    def _repeats_header(self, texts: list[str]) -> bool:
        """Every cell the same as the header's (stops at the first that differs: one cell, mostly)."""
        return len(texts) <= len(self.header_norm) and all(
            _norm_header(t) == h for t, h in zip(texts, self.header_norm))

    def row(self, number: int, cells: list[Any]) -> RowResult | None:
        texts = [cell_text(v) for v in cells]
        if not any(texts):
            return None
        if is_footer(texts):
            return None
        if self._repeats_header(texts):
            return None  # the header again (a printed list repeats it on every page)
        filled = [t for t in texts if t]
        if len(set(filled)) == 1 and (len(filled) >= 3 or self.classes.find(filled[0]) is not None):
            # a banner row across the table (often merged): "三年级2班" heads the rows below it
            found = self.classes.find(filled[0])
            if found is not None:
                self.section_class = found
            return None
        width = len(self.table.headers)
        raw: dict[str, Any] = {k: cells[i] for k, i in self.col_of.items() if i < len(cells)}
        name = person_name(cell_text(raw.get("name")))
        if name:
            raw["name"] = name
        result = RowResult(row=number, outcome=ERROR, name=name, cells=texts, sheet=self.table.sheet)
        if self.merged_classes and name:
            # A class merged down its pupils keeps its name in the first cell only once saved as
            # CSV: a blank 班级 below a filled one is that class (``_merged_classes``).
            if cell_text(raw.get("classroom")):
                self.last_class = raw["classroom"]
            elif self.last_class is not None:
                raw["classroom"] = self.last_class
                self.inherited += 1
        extra = [i for i in range(width, len(cells)) if texts[i]]
        if extra and self.table.kind == "xlsx":  # a note beside the table: the columns stay in place
            self.beyond += 1
        elif extra:  # in a CSV the cells have shifted: a comma inside a cell, a missing quote
            result.problems.append(("", f"这一行有 {len(cells)} 列, 比表头多出 {len(cells) - width} 列 (从 "
                                        f"{column_letter(width)} 列起): 可能是单元格里有逗号或分隔符, 内容错位了"))
            return result
        if not name:
            result.problems.append((self.column("name"), "没有姓名"))
            return result
        data, pre = self._raw_values(raw)
        result.warnings.extend(data.pop("_warnings", []))
        keys = self._identity(data)
        own_id = keys_get(keys, "id")
        for k in keys:
            if k in self.seen:
                if k[0] == "nb" and own_id and self.seen_ids.get(k) and self.seen_ids[k] != own_id:
                    # same name and birth date, each with its own valid 身份证号: two children
                    result.warnings.append(f"可能重复, 请核对: 与{self.seen[k]}姓名和出生日期相同, 但身份证号不同, "
                                           f"按另一个孩子导入")
                    continue
                result.outcome = DUPLICATE
                result.note = f"与{self.seen[k]}是同一个孩子 ({_KEY_WORDS[k[0]]}相同)"
                return result
        if pre.get("_fatal"):
            result.problems.extend(pre["_fatal"])
            return result
        same = []
        if any(k in self.existing for k in keys):  # ask the database only about a likely match
            same = find_same_child({"id_number": own_id, "student_no": keys_get(keys, "sn"),
                                    "name": data.get("_clean_name"), "birth_date": data.get("_birth")},
                                   school_id=self.school_id)
            if own_id:
                # A record that matches only by name and birth date but has another valid 身份证号
                # is another child: never merged, never updated; the teacher is asked to look.
                others = [m for m in same if m["reason"] == "姓名和出生日期相同"
                          and (Child.select(Child.id_number).where(Child.id == m["id"]).scalar() or own_id) != own_id]
                for m in others:
                    result.warnings.append(f"可能重复, 请核对: 与已有档案 {self.shown(m)} 姓名和出生日期相同, "
                                           f"但身份证号不同, 按另一个孩子导入")
                same = [m for m in same if m not in others]
        if len(same) > 1:
            who = "; ".join(self.shown(s) for s in same[:3])
            result.problems.append(("", f"同时与几份已有档案相符: {who}, 请核对"))
            return result
        child_id = same[0]["id"] if same else None
        if child_id is not None and not self.update:
            result.outcome = DUPLICATE
            result.note = f"已有档案: {self.shown(same[0])}"
            return result
        if child_id is not None:  # an update: only of a record the viewer may edit (never shows others')
            try:
                scope.require_child(self.viewer, child_id, "edit")
            except ForbiddenError:
                what = "不在你的查看范围内" if not self.sees(child_id) else "你只能查看, 不能修改"
                result.problems.append(("", f"已有这个孩子的档案 ({same[0]['reason']}), {what}: 不能用导入更新它"))
                return result
        default_class = self.section_class or self.class_id
        values = load_form_values(child_id, classroom_id=default_class if child_id is None else None)
        before_class = values.get("classroom")
        if child_id is not None and default_class is not None:
            values["classroom"] = default_class
        self._overlay(values, data, new=child_id is None)
        target = values.get("classroom")  # a class id (the file's class found by name) or None
        if "classroom" not in pre and (child_id is None or target != before_class) and self.refused_class(target):
            result.problems.append((self.class_column(), self.refused_class(target)))
            return result
        clean, errors = validate_child(values, child_id=child_id, today=self.today, lookup=self.lookup)
        errors.update({k: v for k, v in pre.items() if not k.startswith("_")})
        if errors:
            result.problems.extend(self.problems(errors))
            return result
        for k in keys:  # later rows for the same child are duplicates of this one
            self.seen.setdefault(k, result.where(self.several))
            if k[0] == "nb" and own_id:
                self.seen_ids.setdefault(k, own_id)
        result.values = clean
        if child_id is None:
            result.outcome = NEW
            return result
        result.child_id = child_id
        changes = child_changes(clean, child_id)
        if not changes:
            result.outcome = DUPLICATE
            result.note = f"已有档案, 没有变化: {self.shown(same[0])}"
            return result
        result.outcome = UPDATE
        # ID numbers and phones masked, old and new: a report is printed, copied, left on screens
        result.changes = [f"{change_label(k)} {display_value(k, mask_value(k, old))} → "
                          f"{display_value(k, mask_value(k, new))}"
                          for k, (old, new) in changes.items() if k != "classroom"]
        if "classroom" in changes:
            result.changes.append("班级")
        result.note = "更新: " + "; ".join(result.changes)
        return result

    # The values of the form, from the cells.
    def _raw_values(self, raw: dict[str, Any]) -> tuple[dict, dict]:
        data: dict[str, Any] = {}
        pre: dict[str, Any] = {}
        fatal: list[tuple[str, str]] = []
        extra_notes: list[str] = []  # what a cell held beyond its field (a second phone, 父亲已故)
        warnings_: list[str] = []
        members: dict[int, dict[str, Any]] = {}
        damaged_id: Any = None

        def text(key: str) -> str:
            t = cell_text(raw.get(key))
            return "" if t.lower() in EMPTY_MARKS and key not in BOOL_KEYS else t

        for key in raw:
            if key.startswith("member"):
                n, sub = key[6:].split(".", 1)
                v = raw[key]
                members.setdefault(int(n), {})[sub] = (cell_text(v) if not isinstance(v, float)
                                                       else cell_text(int(v)) if v.is_integer() and v < 1e15 else "")
            elif key in NUMBER_KEYS:
                label = field_label(key)
                try:
                    t = number_text(raw[key], label)
                except Damaged as exc:
                    if key == "id_number":
                        damaged_id = raw[key]
                    fatal.append((self.column(key), str(exc)))
                    continue
                t = "" if t in EMPTY_MARKS else t
                if key in PHONE_KEYS:
                    t = self._first_phone(key, t, extra_notes)
                else:  # 522623 20160305 0021: spaces a teacher typed to read the number
                    t = re.sub(r"[\s\u3000]+", "", t)
                data[key] = t
            elif key == "is_left_behind":
                self._left_behind_flag(key, cell_text(raw[key]), data, pre)
            elif key in BOOL_KEYS:
                t = cell_text(raw[key])
                word = _word_key(t)
                if not t:
                    continue
                if word in TRUE_WORDS:
                    data[key] = True
                elif word in FALSE_WORDS:
                    data[key] = False
                else:
                    pre[_err_key(key)] = f"{field_label(key)}应填“是”或“否”, 不是“{t}”"
            elif key == "birth_date":
                data[key] = self._date(raw[key], pre)
            elif key == "left_behind_type":
                t = text(key)
                value = self.choice(key, t)
                if t and value not in rules.LEFT_BEHIND_TYPES and _word_key(t) in LEFT_BEHIND_FLAGS:
                    # √, 是, 单亲 in a type column: left behind, the kind read from the parents
                    self._left_behind_flag(key, t, data, pre)
                else:
                    data[key] = value
            elif key in CHOICE_TABLES:
                data[key] = self.choice(key, text(key))
                if key == "health" and _word_key(text(key)) in ("有慢性病", "慢性病") and not cell_text(raw.get("illness")):
                    data["illness"] = "慢性病"  # the 学籍 system's 有慢性病 names the kind itself
            elif key in MULTI_TABLES:
                data[key] = normalise_multi(key, text(key))
            elif key == "ethnicity":
                t = text(key)
                data[key] = t + "族" if t and not t.endswith("族") and t not in ("其他", "其它") and len(t) <= 3 else t
            elif key in NAME_KEYS:
                data[key] = person_name(text(key))
            else:
                data[key] = text(key)
        if fatal:
            pre["_fatal"] = fatal

        # An ID Excel cut to 5.22632E+17 is back when the 全国学籍号 (G + 身份证号) holds a valid
        # number with the same leading digits; the report says so.
        if damaged_id is not None and data.get("student_no"):
            recovered = _id_from_student_no(data["student_no"], damaged_id, today=self.today)
            if recovered:
                data["id_number"] = recovered
                pre["_fatal"] = [f for f in fatal if f[0] != self.column("id_number")]
                if not pre["_fatal"]:
                    pre.pop("_fatal")
                warnings_.append(f"身份证号被 Excel 存成了数字 ({cell_text(damaged_id)}), 已按全国学籍号中的号码恢复")

        # 身份证号 fills a missing 出生日期 and 性别
        id_raw = data.get("id_number", "")
        from_id = fill_from_id(id_raw, today=self.today) if id_raw else None
        if from_id:
            born, sex = from_id
            month_only = pre.pop("_month_only", None)
            if month_only and month_only != (born.year, born.month):
                pre["birth_date"] = (f"出生日期只写了年月 ({month_only[0]}年{month_only[1]}月), "
                                     f"与身份证号中的 {born.isoformat()} 不一致")
            if not data.get("birth_date"):
                data["birth_date"] = born
            if not data.get("sex"):
                data["sex"] = sex
        elif id_raw and re.fullmatch(r"[0-9]{15}000", id_raw):
            pre["id_number"] = ("身份证号码校验位不符, 且末尾是000: 多半是被 Excel 当作数字截断了, "
                                "请把这一列设为“文本”格式并重新填写")
        if pre.pop("_month_only", None):
            pre["birth_date"] = "出生日期只写了年月, 请填写完整的日期 (如 2015-03-02)"

        # 班级 by name, or 年级 + 班级 from two columns, or --class
        class_text = data.pop("classroom", "")
        grade_text = data.pop("grade", "")
        if grade_text and class_text and not parse_class(class_text) and _word_key(class_text) not in self.classes.by_name:
            class_text = grade_text + ("" if "年" in grade_text else "年级") + class_text
        elif grade_text and not class_text:
            class_text = grade_text
        if class_text:
            found = self.classes.find(class_text)
            if found is None:
                pre["classroom"] = f"没有这个班级: “{class_text}” ({self.classes.known()})"
            else:
                data["classroom"] = found

        if members:
            self._members(members, data, extra_notes)

        # 父亲, 母亲: a work place names where a parent is away; 务农, 在家, 已故 … say the parent is not
        parents = []
        for p, relation in PARENTS.items():
            fields = {sub: data.pop(f"{p}.{sub}") for sub in PARENT_SUBS if f"{p}.{sub}" in data}
            if not any(v not in ("", None) for v in fields.values()):
                continue
            place = fields.pop("work_place", "")
            word = _word_key(place) if place else ""
            if word in NOT_AWAY_WORDS or place in NOT_AWAY_WORDS:
                if word in DECEASED_WORDS:
                    extra_notes.append(f"{relation}{place}")
                place = ""
                fields.setdefault("away", False)
            if place:
                province, city = split_work_place(place)
                if not fields.get("work_province"):
                    fields["work_province"] = province
                if not fields.get("work_city"):
                    fields["work_city"] = city
            parents.append({"relation": relation, **fields})
        if parents:
            data["parents"] = parents

        # 留守类型 from the form's yes/no columns, or from 单亲/双亲/是 and which parent is away
        if not data.get("left_behind_type"):
            flag = data.pop("_flag", None)
            away = {p["relation"]: p.get("away", bool(p.get("work_province") or p.get("work_city"))) for p in parents}
            if data.get("both_away"):
                data["left_behind_type"] = "父母均外出"
            elif data.get("one_away"):
                data["left_behind_type"] = "一方外出另一方无监护能力"
            elif flag == "双亲":
                data["left_behind_type"] = "父母均外出"
            elif flag == "单亲":
                gone = [r for r, a in away.items() if a]
                if len(gone) == 1:
                    data["left_behind_type"] = f"{gone[0]}外出"
                else:
                    pre["left_behind_type"] = ("写的是单亲留守, 但看不出是父亲还是母亲外出 (父母的务工地点或现住址): "
                                               "请在留守类型一列填写“父亲外出”或“母亲外出”")
            elif flag is True or data.get("is_left_behind"):
                data["left_behind_type"] = self._type_from_parents(away)
        data.pop("_flag", None)
        if data.get("is_left_behind") is False:
            data["left_behind_type"] = ""
        for k in ("both_away", "one_away", "is_left_behind"):
            data.pop(k, None)
        if extra_notes:
            data["notes"] = "; ".join(([data["notes"]] if data.get("notes") else []) + extra_notes)

        # what identifies the child (for duplicates), from the same validators
        try:
            data["_clean_name"] = validate_name(data.get("name", ""))
        except Invalid:
            data["_clean_name"] = ""
        birth = data.get("birth_date")
        try:
            data["_birth"] = validate_date(birth, field="出生日期", today=self.today) if birth else None
        except Invalid:
            data["_birth"] = None
        data["_warnings"] = warnings_
        return data, pre

    def choice(self, key: str, text: str) -> str:
        """A word of a choice column as the form's value: the screen's own mapping first, then the
        tables (``normalise_choice``)."""
        chosen = self.value_maps.get(key, {})
        if text in chosen:
            return chosen[text]
        return normalise_choice(key, text)

    def _left_behind_flag(self, key: str, t: str, data: dict, pre: dict) -> None:
        """是否留守儿童 as the 学籍 system writes it (非留守儿童 / 单亲留守儿童 / 双亲留守儿童) or as
        teachers do (√, 是, 单亲): whether the child is left behind, and when known how."""
        if not t:
            return
        chosen = self.value_maps.get(key, {}).get(t)
        if chosen is not None:
            if chosen in rules.LEFT_BEHIND_TYPES:
                data["left_behind_type"] = chosen
                data["is_left_behind"] = True
            elif chosen == "":
                data["is_left_behind"] = False
            return
        flag = LEFT_BEHIND_FLAGS.get(_word_key(t))
        if flag is None:
            kind = normalise_choice("left_behind_type", t)
            if kind in rules.LEFT_BEHIND_TYPES:
                data["left_behind_type"] = kind
                data["is_left_behind"] = True
                return
            pre[_err_key(key)] = (f"{field_label(key)}应填 是/否、单亲留守儿童/双亲留守儿童/非留守儿童 "
                                  f"或留守类型, 不是“{t}”")
            return
        data["is_left_behind"] = flag is not False
        if flag is not False:
            data["_flag"] = flag

    def _first_phone(self, key: str, t: str, notes: list[str]) -> str:
        """'13800001111/13900002222': the first number is the field, the others go to 备注."""
        parts = [p for p in re.split(r"\s*[/／、,，;；]\s*|\s{2,}|\s+(?=1[0-9]{10})", t) if p]
        if len(parts) > 1:
            notes.append(f"{field_label(key)}另有: {'、'.join(parts[1:])}")
        return parts[0] if parts else ""

    def _members(self, members: dict[int, dict[str, Any]], data: dict, notes: list[str]) -> None:
        """The 学籍 system's household members, each by its 关系 (and 关系说明): the father's and
        mother's blocks give their names, phones and whether each is away (a work unit or address
        in another province than the child's home); the member marked 是否监护人 is the guardian.
        A column the file has for the same field (父亲姓名, 监护人) is kept."""
        home = split_work_place(data.get("address") or data.get("hukou_place") or "")[0]
        guardian_done = False
        for n in sorted(members):
            m = members[n]
            name = person_name(m.get("name", ""))
            if not name:
                continue
            relation = ""
            for word in (m.get("relation", ""), m.get("relation_note", "")):
                relation = self.choice("guardian_relation", word) if word else ""
                if relation in rules.GUARDIAN_RELATIONS:
                    break
            phone = self._first_phone("guardian_phone", m.get("phone", ""), notes) if m.get("phone") else ""
            if relation in ("父亲", "母亲"):
                p = "father" if relation == "父亲" else "mother"
                if not data.get(f"{p}.name"):
                    data[f"{p}.name"] = name
                if phone and not data.get(f"{p}.phone"):
                    data[f"{p}.phone"] = phone
                away, place = _away_from(m.get("work", ""), m.get("address", ""), home)
                if not data.get(f"{p}.work_place") and f"{p}.away" not in data:
                    data[f"{p}.away"] = away
                    if away and place:
                        data[f"{p}.work_place"] = place
            if not guardian_done and _word_key(m.get("guardian", "")) in TRUE_WORDS:
                guardian_done = True
                if not data.get("guardian_name"):
                    data["guardian_name"] = name
                    data["guardian_relation"] = relation or m.get("relation", "")
                if phone:  # the guardian's own number, over the family's 联系电话
                    data["guardian_phone"] = phone
                if m.get("id_number") and not data.get("guardian_id_number"):
                    data["guardian_id_number"] = re.sub(r"\s+", "", m["id_number"])
                if m.get("address") and not data.get("guardian_address"):
                    data["guardian_address"] = m["address"]

    def _type_from_parents(self, away: dict[str, Any]) -> str:
        father, mother = bool(away.get("父亲")), bool(away.get("母亲"))
        if father and mother:
            return "父母均外出"
        if father:
            return "父亲外出"
        if mother:
            return "母亲外出"
        return "其他"

    def _date(self, value: Any, pre: dict) -> Any:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if 19000101 <= value <= 21001231:
                return str(int(value))
            if 1900 <= value <= 2100:
                pre["birth_date"] = f"出生日期只写了年份 ({int(value)}), 请填写完整的日期 (如 2015-03-02)"
                return ""
            serial = _excel_serial(float(value))
            return serial if serial else cell_text(value)
        t = cell_text(value)
        m = re.fullmatch(r"([0-9]{4})\s*[年.\-/]\s*([0-9]{1,2})\s*月?", unicodedata.normalize("NFKC", t))
        if m:
            pre["_month_only"] = (int(m.group(1)), int(m.group(2)))
            return ""
        return "" if t in EMPTY_MARKS else t

    def _identity(self, data: dict) -> list[tuple]:
        keys = []
        try:
            if data.get("id_number"):
                keys.append(("id", validate_id_number(data["id_number"], today=self.today)))
        except Invalid:
            pass
        try:
            if data.get("student_no"):
                keys.append(("sn", validate_student_no(data["student_no"], today=self.today)))
        except Invalid:
            pass
        if data.get("_clean_name") and data.get("_birth"):
            keys.append(("nb", data["_clean_name"], data["_birth"]))
        return keys

    def _overlay(self, values: dict, data: dict, *, new: bool) -> None:
        """Put the file's non-empty values over the form's (defaults for a new child, the
        record for an update: an empty cell never erases what is stored)."""
        for key, v in data.items():
            if key.startswith("_") or key == "parents":
                continue
            if v in ("", None) or (isinstance(v, list) and not v):
                continue
            values[key] = v
        by_relation = {p["relation"]: p for p in values.get("parents", [])}
        kind = values.get("left_behind_type") or ""
        for p in data.get("parents", []):
            target = by_relation.get(p["relation"])
            if target is None:
                target = {"relation": p["relation"]}
                values.setdefault("parents", []).append(target)
                by_relation[p["relation"]] = target
            for k, v in p.items():
                if v not in ("", None):
                    target[k] = v
            if "away" not in p and new:
                target["away"] = _away_by_kind(kind, p)


_KEY_WORDS = {"id": "身份证号", "sn": "学籍号", "nb": "姓名和出生日期"}


def _existing_keys(school_id: int) -> set[tuple]:
    """What identifies the children already there, in one query (a superset: ``find_same_child``
    decides)."""
    keys: set[tuple] = set()
    q = Child.select(Child.id_number, Child.student_no, Child.name, Child.birth_date, Child.school).tuples()
    for id_number, student_no, name, birth, school in q:
        if id_number:
            keys.add(("id", id_number))
        if student_no:
            keys.add(("sn", student_no))
        if name and birth and school == school_id:
            if isinstance(birth, str):
                birth = dt.date.fromisoformat(birth[:10])
            keys.add(("nb", name, birth))
    return keys


def keys_get(keys: list[tuple], kind: str) -> str | None:
    for k in keys:
        if k[0] == kind:
            return k[1]
    return None


def _err_key(key: str) -> str:
    return key.replace(".", "_")


def plan(table: Table, mapping: list[str | None] | None = None, *, school_id: int, viewer: Viewer,
         class_name: str | None = None, update: bool = False, today: dt.date | None = None,
         progress: Progress | None = None, mappings: dict[str, list[str | None]] | None = None,
         value_maps: dict[str, dict[str, str]] | None = None) -> ImportReport:
    """Check every row of every roster sheet (``table.tables()``) and decide what would happen
    to it. Reads the database, writes nothing.

    ``mapping`` is the columns of ``table``'s own sheet, ``mappings`` those of the other sheets
    (by name; default: as found); ``value_maps`` the user's own reading of words in choice
    columns ({'left_behind_type': {'单亲': '母亲外出'}}), over the built-in tables.

    As ``viewer`` (``models.scope.require_import``): a row for a class the viewer may not import
    into is an error; an existing child the viewer may not see is never named or shown (a dry
    run reports on the database), and numbers in the listed changes are masked. A class teacher
    who heads one class gets it for the rows without a class."""
    scope.require_import(viewer, any_class=True)
    parts = []
    for t in table.tables():
        m = list(mapping if (t is table and mapping is not None) else (mappings or {}).get(t.sheet, t.mapping))
        m += [None] * (len(t.headers) - len(m))
        parts.append((t, m))
    if "name" not in parts[0][1]:
        raise ImportFileError("没有对应到“姓名”的列, 无法导入: 请指定哪一列是姓名")
    today = today or dt.date.today()
    class_id = None
    classes = ClassIndex(school_id)
    if class_name:
        class_id = classes.find(class_name)
        if class_id is None:
            raise ImportFileError(f"没有这个班级: {class_name} ({classes.known()})")
        scope.require_import(viewer, school_id, class_id)
    else:  # a class teacher who heads one class imports into it
        class_id = scope.own_class(viewer, only=True)
    mapping = parts[0][1]
    report = ImportReport(path=table.path, kind=table.kind, encoding=table.encoding, sheet=table.sheet,
                          header_row=table.header_row, headers=table.headers, mapping=mapping, update=update,
                          header_first=table.header_rows[0])
    planner = _Planner(table, mapping, school_id=school_id, class_id=class_id, update=update, today=today,
                       classes=classes, viewer=viewer)
    planner.value_maps = value_maps or {}
    planner.several = len(parts) > 1 or bool(table.skipped)
    data = [(t, m, number, cells) for t, m in parts for number, cells in t.data_rows()]
    total = len(data)
    step = max(1, total // 100)
    by_sheet: dict[str, SheetPart] = {}
    for t, m in parts:
        by_sheet[t.sheet] = SheetPart(sheet=t.sheet, header_rows=t.header_rows, headers=t.headers, mapping=m)
    for title, why in table.skipped:
        by_sheet[title] = SheetPart(sheet=title, skipped=why)
    report.sheets = [by_sheet[s] for s in table.sheets if s in by_sheet]
    for i, (t, m, number, cells) in enumerate(data, 1):
        if planner.table is not t:
            planner.use(t, m)
        result = planner.row(number, cells)
        if result is not None:
            report.rows.append(result)
            by_sheet[t.sheet].read += 1
        if progress and (i % step == 0 or i == total):
            progress(i, total, "检查")
    if not report.rows:
        raise ImportFileError(f"{os.path.basename(table.path)}: 表头 (第{table.header_row}行) 下面没有数据")
    all_keys = {k for _, m in parts for k in m}
    if not all_keys & {"left_behind_type", "both_away", "one_away", "is_left_behind"}:
        report.notes.append("文件中没有留守类型列: 新导入的孩子不算留守儿童, 名册默认不列出他们 (在名册中按 a 显示全部学生)")
    if not all_keys & {"classroom", "grade"} and class_id is None and planner.section_class is None:
        report.notes.insert(0, "文件中没有班级列, 新导入的孩子都是“未分班”: 可以用 --class 指定班级 (如 --class 三年级2班)")
    if planner.inherited:
        report.notes.append(f"有 {planner.inherited} 行的班级是空的, 按上面最近一行的班级导入 "
                            f"(合并的班级单元格另存为 CSV 后只有第一格有值)")
    if planner.beyond:
        report.notes.append(f"有 {planner.beyond} 行在表头右边没有列名的列里还有内容, 这些内容没有导入")
    return report
