"""Reading a file's rows (CSV in any of the encodings schools have, .xlsx, .xls) and finding each sheet's header."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from tui.importer.cells import cell_text
from tui.importer.fields import IGNORED, ImportFileError, MEMBER_SUBS, _CHILD_PREFIXES, _GROUP_SUFFIX, _GUARDIAN_PREFIXES, _GUARDIAN_SUB_WORDS, _PARENT_PREFIXES, _PARENT_SUB_WORDS, _norm_header, header_key
from tui.importer.values import SEX_WORDS, _word_key, parse_class


MAX_BYTES = 10 * 1024 * 1024  # a school's roster is well under 1 MB
MAX_UNZIPPED = 100 * 1024 * 1024  # what an .xlsx may unpack to (a zip bomb guard)
MAX_ROWS = 20_000
MAX_COLS = 500
HEADER_SCAN = 30  # rows searched for the header


@dataclass
class Table:
    path: str
    kind: str  # 'csv' / 'xlsx' / 'xls'
    encoding: str  # how a CSV was decoded, '' for a workbook
    sheet: str
    sheets: list[str]
    rows: list[list[Any]]  # every row of the sheet, trailing empty cells dropped
    header_first: int  # 0-based index of the (first) header row
    header_last: int  # 0-based index of the last header row
    headers: list[str]  # the column names as the file has them (two-row headers joined)
    mapping: list[str | None]  # the field of each column (None: not imported)
    more: list["Table"] = field(default_factory=list)  # the workbook's other roster sheets, imported too
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (sheet, why) sheets not imported

    @property
    def header_row(self) -> int:
        """1-based row number of the (last) header row, as Excel shows it."""
        return self.header_last + 1

    @property
    def header_rows(self) -> tuple[int, int]:
        """1-based first and last row taken as the header (the same for a one-row header)."""
        return self.header_first + 1, self.header_last + 1

    def tables(self) -> list["Table"]:
        """This sheet and every other roster sheet of the workbook, in the workbook's order."""
        return [self, *self.more]

    def data_rows(self):
        """(1-based row number, cells) below the header."""
        for i in range(self.header_last + 1, len(self.rows)):
            yield i + 1, self.rows[i]

    def sample(self, col: int) -> str:
        for _, cells in self.data_rows():
            if col < len(cells) and cell_text(cells[col]):
                return cell_text(cells[col])
        return ""


def read_table(path: str, *, sheet: str | None = None, header_row: int | None = None) -> Table:
    """Read a .xlsx, .xls or .csv file and find its header; ``ImportFileError`` when it cannot be.

    Without ``sheet`` every sheet holding a roster is read: the first is returned, the others in
    ``more``, and the sheets without one (empty, or no header in the first rows) in ``skipped``
    with the reason, so none is ignored silently. ``header_row`` (1-based, with ``sheet`` or for
    a CSV) takes that row as the header instead of the one found."""
    path = os.path.abspath(os.path.expanduser(path))
    name = os.path.basename(path)
    if not os.path.exists(path):
        raise ImportFileError(f"找不到文件: {path}")
    if os.path.isdir(path):
        raise ImportFileError(f"这是一个文件夹, 不是文件: {path}")
    size = os.path.getsize(path)
    if size == 0:
        raise ImportFileError(f"文件是空的: {name}")
    if size > MAX_BYTES:
        raise ImportFileError(
            f"文件太大 ({size / 1024 / 1024:.1f} MB), 最多 {MAX_BYTES // 1024 // 1024} MB: 一所学校的名册通常不到 1 MB, "
            f"请只保留名册工作表, 或分成几个文件导入")
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise ImportFileError(f"无法读取文件 {name}: {exc.strerror}") from None
    ext = os.path.splitext(name)[1].lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE2 container: an old .xls or an encrypted workbook
        if _is_encrypted(path):
            raise ImportFileError(f"工作簿 {name} 设有打开密码: 请在 Excel 或 WPS 中去掉密码 (文件 → 信息 → 保护工作簿), "
                                  f"另存为 .xlsx 后再导入")
        kind = "xls"
    elif head.startswith(b"PK"):
        if ext not in (".xlsx", ".xlsm", ""):
            if ext in (".et", ".ods"):
                raise ImportFileError(f"暂不支持 {ext} 文件: 请另存为 .xlsx 或 CSV 后再导入")
        kind = "xlsx"
    elif ext in (".xlsx", ".xlsm"):
        raise ImportFileError(f"工作簿 {name} 已损坏或不是 Excel 文件, 无法打开")
    elif head.lstrip(b"\xef\xbb\xbf \r\n\t").lower().startswith((b"<", b"\xff\xfe<", b"\xfe\xff\x00<")):
        raise ImportFileError(f"{name} 是网页 (HTML/XML) 格式的表格, 不是真正的 Excel 文件: 请在 Excel 或 WPS 中打开, "
                              f"“另存为” .xlsx 后再导入")
    elif ext in (".csv", ".txt", ".tsv", "", ".xls"):
        kind = "csv"  # a system's ".xls" export is often plain text with tabs
    elif ext in (".et", ".ods", ".numbers"):
        raise ImportFileError(f"暂不支持 {ext} 文件: 请另存为 .xlsx 或 CSV 后再导入")
    else:
        raise ImportFileError(f"只能导入 .xlsx、.xls 或 .csv 文件, 不能导入 {ext} 文件")

    if kind == "csv":
        rows, encoding = _read_csv(path, name)
        return _with_header(path, "csv", encoding, [""], {"": rows}, "", header_row)
    if kind == "xlsx":
        _check_zip(path, name)
    sheets, order = _read_book(path, name)
    if sheet is not None and sheet not in sheets:
        raise ImportFileError(f"工作簿中没有工作表 “{sheet}”, 有: {'、'.join(order)}")
    if header_row is not None and sheet is None and len(order) > 1:
        raise ImportFileError(f"工作簿有 {len(order)} 个工作表 ({'、'.join(order)}): 指定表头行时请同时指定工作表 (--sheet)")
    return _with_header(path, kind, "", order, sheets, sheet, header_row)


def _is_encrypted(path: str) -> bool:
    with open(path, "rb") as fh:
        data = fh.read(min(MAX_BYTES, 4 * 1024 * 1024))
    return "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8-sig", "UTF-8 (带BOM)")]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = [("utf-16", "UTF-16")]
    else:
        candidates = [("utf-8", "UTF-8"), ("gb18030", "GBK/GB18030")]
    for codec, label in candidates:
        try:
            return data.decode(codec), label
        except UnicodeDecodeError:
            continue
    raise ImportFileError(f"无法识别 {name} 的文字编码 (不是 UTF-8, 也不是 GBK): 请在 Excel 中另存为“CSV UTF-8”或 .xlsx")


def _read_csv(path: str, name: str) -> tuple[list[list[Any]], str]:
    with open(path, "rb") as fh:
        data = fh.read()
    text, encoding = _decode(data, name)
    if "\x00" in text:
        raise ImportFileError(f"{name} 不是文本文件 (含有二进制内容), 无法按 CSV 读取")
    if not text.strip():
        raise ImportFileError(f"文件是空的: {name}")
    sample = text[:20000].splitlines()[:30]
    delimiter = max((",", "\t", ";"), key=lambda d: sum(line.count(d) for line in sample))
    rows: list[list[Any]] = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(rows) > MAX_ROWS + HEADER_SCAN:
                raise ImportFileError(f"{name} 超过 {MAX_ROWS} 行, 请分成几个文件导入")
            while record and not record[-1].strip():
                record.pop()
            rows.append(record[:MAX_COLS + 1])
    except csv.Error as exc:
        raise ImportFileError(f"{name} 第{len(rows) + 1}行无法按 CSV 读取: {exc}") from None
    return rows, encoding


def _check_zip(path: str, name: str) -> None:
    """An .xlsx is a zip: refuse an encrypted one, a zip bomb, or a zip that is no workbook."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "EncryptedPackage" in names:
                raise ImportFileError(f"工作簿 {name} 设有密码, 请去掉密码后再导入")
            if sum(i.file_size for i in zf.infolist()) > MAX_UNZIPPED:
                raise ImportFileError(f"工作簿 {name} 解压后太大, 请只保留名册工作表或分成几个文件导入")
            if "xl/workbook.xml" not in names:
                raise ImportFileError(f"{name} 不是 Excel 工作簿 (.xlsx), 无法打开")
    except zipfile.BadZipFile:
        raise ImportFileError(f"工作簿 {name} 已损坏, 无法打开 (可以在 Excel 中打开后重新保存)") from None


def _read_book(path: str, name: str) -> tuple[dict[str, list[list[Any]]], list[str]]:
    """Every sheet of an .xlsx or .xls, read with python-calamine (Rust): on a 5,000-row, 65-column
    学籍 export 0.4 s where openpyxl takes 3.1 s, and it reads the old .xls too. A merged cell's
    value is given to every cell it covers."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(path)
    except Exception as exc:  # calamine raises its own kinds for broken or foreign files
        raise ImportFileError(f"工作簿 {name} 已损坏, 无法读取 ({type(exc).__name__})") from None
    sheets: dict[str, list[list[Any]]] = {}
    order: list[str] = []
    try:
        for title in wb.sheet_names:
            try:
                ws = wb.get_sheet_by_name(title)
                sheets[title] = _sheet_rows(ws, name)
            except ImportFileError:
                raise
            except Exception as exc:
                raise ImportFileError(f"工作簿 {name} 的工作表 “{title}” 已损坏, 无法读取 ({type(exc).__name__})") from None
            order.append(title)
    finally:
        wb.close()
    return sheets, order


def _sheet_rows(ws, name: str) -> list[list[Any]]:
    start = ws.start
    if start is None:  # nothing in the sheet
        return []
    top, left = start
    if ws.height + top > MAX_ROWS + HEADER_SCAN:
        raise ImportFileError(f"{name} 的工作表 “{ws.name}” 超过 {MAX_ROWS} 行, 请分成几个文件导入")
    width = min(ws.width + left, MAX_COLS + 1)
    grid: list[list[Any]] = [[None] * width for _ in range(top)]
    for row in ws.iter_rows():
        grid.append(([None] * left + [None if v == "" else v for v in row])[:width])
    for (r1, c1), (r2, c2) in ws.merged_cell_ranges or []:  # a merged cell's value belongs to every cell it covers
        if r1 >= len(grid) or c1 >= width:
            continue
        value = grid[r1][c1] if c1 < len(grid[r1]) else None
        if value is None:
            continue
        for r in range(r1, min(r2, len(grid) - 1) + 1):
            row = grid[r]
            if len(row) < width:
                row.extend([None] * (width - len(row)))
            for c in range(c1, min(c2, width - 1) + 1):
                row[c] = value
    for row in grid:
        while row and (row[-1] is None or (isinstance(row[-1], str) and not row[-1].strip())):
            row.pop()
    while grid and not grid[-1]:
        grid.pop()
    return grid


# Words that head a column only under a group cell (父亲 over 姓名 / 电话 / 务工地), and group words.
_SUB_WORDS = {_norm_header(w) for words in (*_PARENT_SUB_WORDS.values(), *_GUARDIAN_SUB_WORDS.values(),
                                            *MEMBER_SUBS.values()) for w in words if w}
_GROUP_WORDS = {_norm_header(w) for w in (*_PARENT_PREFIXES["father"], *_PARENT_PREFIXES["mother"],
                                          *_GUARDIAN_PREFIXES, *_CHILD_PREFIXES, "家庭成员", "家庭情况", "监护情况",
                                          "务工情况", "联系方式", "基本情况", "实际监护情况")}
_DATA_INSIDE = re.compile(r"[0-9]{5,}|[0-9]{4}\s*[-./年]\s*[0-9]{1,2}")  # an ID, a phone, a date
_NUMBER_TEXT = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")  # a count, a 序号


def _data_like(value: Any) -> bool:
    """A cell no header has: a number, a date, or text holding an ID, a phone, a date or a count."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float, dt.date)):
        return True
    s = unicodedata.normalize("NFKC", str(value)).strip()
    s = re.sub(r"[(\[【<].*?[)\]】>]", "", s).strip()  # a header's hint: 出生日期(如2016-03-05)
    return bool(_DATA_INSIDE.search(s) or _NUMBER_TEXT.fullmatch(s))


def _header_word(value: Any) -> bool:
    s = _norm_header(value)
    return bool(s) and (header_key(value) is not None or s in _SUB_WORDS or s in _GROUP_WORDS
                        or bool(_GROUP_SUFFIX.search(s)))


def _pupil_value(value: Any) -> bool:
    """A cell only a pupil's row has: data (``_data_like``), a sex (男/女) or a class (四年级1班)."""
    if _data_like(value):
        return True
    s = cell_text(value)
    return _word_key(s) in SEX_WORDS and len(s) <= 2 or parse_class(s) is not None


def header_shaped(row: list[Any]) -> bool:
    """A row is a header by its whole shape: no cell holds a pupil's value (an ID, a phone, a date,
    a number, 男/女, a class) and column words fill two cells or half of them. A pupil's row whose
    cells happen to read like column names (住校, 父亲, 监护人) still has an ID, a date, a sex or a
    class: never a header."""
    filled = [v for v in row if cell_text(v)]
    if not filled or any(_pupil_value(v) for v in filled):
        return False
    words = sum(1 for v in filled if _header_word(v))
    return words >= 2 or words * 2 >= len(filled)


def _combine(upper: list[Any], lower: list[Any]) -> tuple[list[str], list[str | None]]:
    """Join a group header row above a field row: 父亲 over 姓名 -> 父亲姓名. A CSV saved from a
    merged group has the group's word in its first cell only: a blank upper cell right of a group
    (whose own lower cell is filled) belongs to that group, so 父亲 over 姓名, 电话 makes 父亲电话
    for both columns, never a bare 电话 (which would be the guardian's)."""
    width = max(len(upper), len(lower))
    headers: list[str] = []
    keys: list[str | None] = []
    group = ""
    for c in range(width):
        u = cell_text(upper[c]) if c < len(upper) else ""
        lo = cell_text(lower[c]) if c < len(lower) else ""
        if u:
            group = u if lo and _norm_header(lo) != _norm_header(u) else ""
        elif lo and group:
            u = group
        else:
            group = ""
        if not lo or _norm_header(lo) == _norm_header(u):
            options = [u]
        elif not u:
            options = [lo]
        else:
            options = [u + lo, _GROUP_SUFFIX.sub("", _norm_header(u)) + lo, u, lo]
        key = None
        shown = u + lo if (u and lo and _norm_header(lo) != _norm_header(u)) else (u or lo)
        for option in options:
            key = header_key(option)
            if key:
                break
        headers.append(shown)
        keys.append(key)
    return headers, keys


def _score(keys: list[str | None]) -> int:
    return len({k for k in keys if k and k != IGNORED})


def _unique(keys: list[str | None]) -> list[str | None]:
    """A second column for the same field is not imported."""
    seen: set[str] = set()
    mapping: list[str | None] = []
    for k in keys[:MAX_COLS]:
        if k in seen and k != IGNORED:
            mapping.append(None)
        else:
            mapping.append(k)
            if k:
                seen.add(k)
    return mapping


def header_at(rows: list[list[Any]], r: int) -> tuple[int, int, list[str], list[str | None]]:
    """The header whose (last) row is ``r`` (0-based): joined with the row above when that row is
    header-shaped too and the two together name more fields (a two-row merged header)."""
    keys = [header_key(v) for v in rows[r]]
    best = (r, r, [cell_text(v) for v in rows[r]], keys)
    if r > 0 and header_shaped(rows[r - 1]):
        headers, k2 = _combine(rows[r - 1], rows[r])
        if _score(k2) > _score(keys):
            best = (r - 1, r, headers, k2)
    first, last, headers, keys = best
    return first, last, headers[:MAX_COLS], _unique(keys)


def find_header(rows: list[list[Any]]) -> tuple[int, int, list[str], list[str | None]] | None:
    """(first, last header row index, headers, keys) or None: the first header-shaped row (see
    ``header_shaped``) that names 姓名 and another field, joined with the header-shaped row below
    it when that names more (父亲 over 姓名/电话)."""
    for r in range(min(HEADER_SCAN, len(rows))):
        if not header_shaped(rows[r]):
            continue
        keys = [header_key(v) for v in rows[r]]
        if r + 1 < len(rows) and header_shaped(rows[r + 1]):
            below = header_at(rows, r + 1)
            if below[0] == r and "name" in below[3] and _score(below[3]) >= 2:
                return below
        if "name" in keys and _score(keys) >= 2:
            return header_at(rows, r)
    return None


def _with_header(path, kind, encoding, order, sheets, wanted, header_row) -> Table:
    """The Table of ``wanted`` (or of every roster sheet), its header found or taken at ``header_row``."""
    name = os.path.basename(path)
    candidates = [wanted] if wanted is not None else order
    tables: list[Table] = []
    skipped: list[tuple[str, str]] = []
    for title in candidates:
        rows = sheets[title]
        if header_row is not None and len(candidates) == 1:
            if not 1 <= header_row <= len(rows):
                raise ImportFileError(f"表头行 {header_row} 不在表中 (共 {len(rows)} 行)")
            found = header_at(rows, header_row - 1)
        else:
            found = find_header(rows)
        if found:
            first, last, headers, mapping = found
            tables.append(Table(path=path, kind=kind, encoding=encoding, sheet=title, sheets=order, rows=rows,
                                header_first=first, header_last=last, headers=headers, mapping=mapping))
        elif not any(any(cell_text(v) for v in row) for row in rows):
            skipped.append((title, "没有内容"))
        else:
            skipped.append((title, f"前{HEADER_SCAN}行找不到表头 (要有“姓名”一列和至少一个其他列名), 不是名册"))
    if not tables:
        if all(why == "没有内容" for _, why in skipped):
            where = f"工作表 “{wanted}”" if wanted is not None else name
            raise ImportFileError(f"{where} 里没有内容")
        where = f"工作表 “{wanted}” 的" if wanted is not None else ""
        raise ImportFileError(f"{name}: 在{where}前{HEADER_SCAN}行找不到表头 (要有“姓名”一列和至少一个其他列名, "
                              f"如 性别、出生日期、身份证号、班级、监护人)")
    first_table = tables[0]
    first_table.more = tables[1:]
    first_table.skipped = skipped
    return first_table


def with_header_row(table: Table, header_row: int) -> Table:
    """The same sheet with row ``header_row`` (1-based) as its (last) header row: the import
    screen's choice when the header found is not the right one."""
    if not 1 <= header_row <= len(table.rows):
        raise ImportFileError(f"表头行 {header_row} 不在表中 (共 {len(table.rows)} 行)")
    first, last, headers, mapping = header_at(table.rows, header_row - 1)
    return Table(path=table.path, kind=table.kind, encoding=table.encoding, sheet=table.sheet, sheets=table.sheets,
                 rows=table.rows, header_first=first, header_last=last, headers=headers, mapping=mapping,
                 more=table.more, skipped=table.skipped)


NEW, UPDATE, DUPLICATE, ERROR = "导入", "更新", "重复", "错误"
