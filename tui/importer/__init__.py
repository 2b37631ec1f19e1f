"""Roster import from the school's existing spreadsheets (.xlsx and .csv).

Used by ``guanai import`` and by the roster's 导入 screen; no textual here. The steps:

1. ``read_table``: the file's rows as cell values. CSVs are decoded as UTF-8 (with or
   without BOM), UTF-16 (Excel's "Unicode text") or GB18030 (a superset of the GBK that
   Excel and WPS write on Chinese Windows); workbooks are read with openpyxl, merged
   cells filled with their value. The header row is found among the first rows (title rows
   above it are skipped, a two-row header with merged group cells such as 父亲 over
   姓名/电话/务工地 is combined), and each column is given a field by the synonym table.
2. ``plan``: every data row is turned into the form's raw values (small normalisation
   tables for 留守类型, 监护人关系, 是/否 …; 务工地 "广东省东莞市" split into province and city;
   the class found by name), checked with the roster's own ``validate_child``, and matched
   against existing children (same 身份证号 or 学籍号, or same 姓名 and 出生日期) and earlier
   rows of the file. Nothing is written: this is the whole of ``--dry-run``.
3. ``apply``: all good rows are saved in one transaction, all of them or none: new children
   with ``create_children`` (``save_child``'s rows and audit log, written in bulk), updates
   with ``save_child``.
4. ``format_report`` / ``write_report_csv``: the counts and every row that was not
   imported, with row number, column and reason; the CSV (UTF-8 with BOM, for Excel) keeps
   the row's original cells so the teacher can fix them there and import the report again.
   Every cell of it is data (``_csv_cell``: a leading ' before anything Excel would run), and it
   is written through ``models.files`` (0600, never through a planted link).

Cells are read through ``models.sanitize.clean_text``: no control or format character from a
file reaches the database (newlines and tabs stay).
"""
from __future__ import annotations

from tui.importer.fields import (  # noqa: F401
    FIELDS,
    HEADER_INDEX,
    IGNORED,
    ImportFileError,
    MEMBER_LABELS,
    MEMBER_SUBS,
    PARENTS,
    PARENT_SUBS,
    Progress,
    SYNONYMS,
    field_label,
    header_key,
)
from tui.importer.values import (  # noqa: F401
    AID_WORDS,
    BOOL_KEYS,
    CHOICE_TABLES,
    CITY_PROVINCES,
    ClassIndex,
    DECEASED_WORDS,
    EDUCATION_WORDS,
    EMPTY_MARKS,
    FALSE_WORDS,
    GRADE_WORDS,
    GUARDIANSHIP_TYPE_WORDS,
    HEALTH_WORDS,
    INCOME_WORDS,
    LEFT_BEHIND_FLAGS,
    LEFT_BEHIND_WORDS,
    MULTI_TABLES,
    MUNICIPALITIES,
    NAME_KEYS,
    NOT_AWAY_WORDS,
    NUMBER_KEYS,
    PHONE_KEYS,
    PROVINCES,
    RELATION_WORDS,
    SCHOOLING_WORDS,
    SEX_WORDS,
    STATUS_WORDS,
    TRUE_WORDS,
    normalise_choice,
    normalise_multi,
    parse_class,
    person_name,
    split_work_place,
)
from tui.importer.cells import (  # noqa: F401
    Damaged,
    cell_text,
    column_letter,
    number_text,
)
from tui.importer.reading import (  # noqa: F401
    DUPLICATE,
    ERROR,
    HEADER_SCAN,
    MAX_BYTES,
    MAX_COLS,
    MAX_ROWS,
    MAX_UNZIPPED,
    NEW,
    Table,
    UPDATE,
    find_header,
    header_at,
    header_shaped,
    read_table,
    with_header_row,
)
from tui.importer.planning import (  # noqa: F401
    HIDDEN_CHILD,
    ImportReport,
    RowResult,
    SheetPart,
    is_footer,
    keys_get,
    plan,
)
from tui.importer.applying import (  # noqa: F401
    apply,
    run_import,
)
from tui.importer.report import (  # noqa: F401
    FORMULA_STARTS,
    REPORT_COLUMNS,
    REPORT_SUFFIX,
    describe_file,
    format_report,
    report_rows,
    write_report_csv,
)
from tui.importer.preview import (  # noqa: F401
    NOT_LEFT_BEHIND,
    VALUE_FIELDS,
    known_fields,
    suggest_class,
    value_choices,
    value_reading,
    value_words,
)
