"""The audit log: who did what, when, from where. Append-only from the app.

Every model change already writes an ``AuditLog`` row (children, contacts, pairings,
rules, settings, events, imports, exports); this module adds the session's own events
(login, failed login, user administration, restore), fills ``source`` with the SSH
client's address, and reads the log back for ``guanai audit`` and the admin screen.

Nothing in the app deletes an audit row or changes who did what when: the model refuses it
(``AuditLog.save`` of an existing row, ``update``, ``delete``), and ``tests/test_audit_cli.py``
greps the source tree for any attempt. The one exception is ``redact_purged``: when an admin
purges a child after the retention period, the old and new *values* in the audit rows about
that child's records (names, ID numbers, talk notes) are blanked too, or the purge would delete
nothing; the rows themselves, with who, when, from where and which row, stay.

Reading (``entries``) takes the viewer: the text of a 心理辅导 contact is shown to a counselor
only (``scope.sees_counselling_in_audit``), and ID numbers and phones are always masked.
No textual here.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import peewee as pw

from models import scope
from models.coerce import jsonable
from models.entities import AuditLog, Contact, Staff
from models.errors import UserError
from models.masking import mask_value
from models.provenance import LOCAL, client_source, os_account, os_name  # noqa: F401 (re-exported)
from models.sanitize import clean_text
from models.scope import COUNSELLING, COUNSELLING_HIDDEN

# Actions written by the session and user administration (the models write create/update/delete …).
LOGIN = "login"
LOGIN_FAILED = "login_fail"
LOCKED = "locked"

ACTION_LABELS = {
    "create": "新建", "update": "修改", "delete": "删除", "login": "登录", "login_fail": "登录失败",
    "locked": "锁定", "export": "导出", "import": "导入", "view": "查看", "unmask": "显示全文",
    "restore": "恢复", "pin": "PIN", "end": "结束", "move": "调整", "confirm": "确认",
}


def dumps(d: dict | None) -> str:
    if not d:
        return "{}"
    return json.dumps({k: jsonable(v) for k, v in d.items()}, ensure_ascii=False)


def record(action: str, table: str, row_id: int | None, *, staff_id: int | None, old: dict | None = None,
           new: dict | None = None, at: dt.datetime | None = None, source: str | None = None):
    """Append one row (the caller's transaction, if any, makes it all or nothing with its change)."""
    return AuditLog.create(at=(at or dt.datetime.now()).replace(microsecond=0), staff=staff_id, table=table,
                           row_id=row_id or 0, action=action, old=dumps(old), new=dumps(new),
                           source=client_source() if source is None else source, os_user=os_account())


APPEND_CHUNK = 1000  # rows per INSERT: 8 values each, far below SQLite's 32,766 bound variables


def record_many(action: str, table: str, changes: Iterable[tuple[int | None, dict | None, dict | None]], *,
                staff_id: int | None, at: dt.datetime | None = None, source: str | None = None) -> int:
    """Append one row per (row_id, old, new), the same rows ``record`` appends one by one, in a
    few INSERTs (an import creates thousands of children). Only ever inserts; returns how many."""
    at = (at or dt.datetime.now()).replace(microsecond=0)
    source = client_source() if source is None else source
    os_user = os_account()
    rows = [{"at": at, "staff": staff_id, "table": table, "row_id": row_id or 0, "action": action,
             "old": dumps(old), "new": dumps(new), "source": source, "os_user": os_user}
            for row_id, old, new in changes]
    for start in range(0, len(rows), APPEND_CHUNK):
        AuditLog.insert_many(rows[start:start + APPEND_CHUNK]).execute()  # audit-append-many
    return len(rows)


# --- reading -------------------------------------------------------------------------

@dataclass(slots=True)
class AuditEntry:
    id: int
    at: dt.datetime
    login: str
    staff_name: str
    action: str
    table: str
    row_id: int
    source: str
    old: dict
    new: dict

    @property
    def who(self) -> str:
        if self.login and self.staff_name:
            return f"{self.login}({self.staff_name})"
        return self.login or self.staff_name or "-"


class AuditQueryError(UserError, ValueError):
    """A filter that cannot match (an unknown login); the message is for the user."""


def _loads(text: str) -> dict:
    try:
        d = json.loads(text or "{}")
    except ValueError:
        return {"_": text}
    return d if isinstance(d, dict) else {"_": d}


def entries(*, since: dt.date | None = None, until: dt.date | None = None, login: str | None = None,
            table: str | None = None, action: str | None = None, text: str | None = None,
            limit: int | None = None, newest_first: bool = False, viewer=None) -> Iterator[AuditEntry]:
    """Audit rows matching every given filter, oldest first (or newest first), streamed, as
    ``viewer`` (a ``scope.Viewer``) may read them: the text of a 心理辅导 contact is
    ``COUNSELLING_HIDDEN`` unless ``scope.sees_counselling_in_audit`` — so without a counselor
    viewer (the default, ``None``) it is always hidden, and ``text`` never finds a row by words
    the viewer cannot read. ID numbers and phones are masked later, by ``describe``."""
    hide = not scope.sees_counselling_in_audit(viewer)
    counselling = _CounsellingContacts()
    # a 强制报告's reporter is protected: only who may see every report learns who filed or looked
    reporters_shown = isinstance(viewer, scope.Viewer) and scope.sees_all_reports(viewer)

    cond = pw.SQL("1 = 1")
    if since is not None:
        cond &= AuditLog.at >= dt.datetime.combine(since, dt.time())
    if until is not None:
        cond &= AuditLog.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time())
    if login:
        staff = Staff.get_or_none(Staff.login == login.strip())
        if staff is None:
            raise AuditQueryError(f"没有登录名为 {login} 的教职工")
        cond &= (AuditLog.staff == staff.id)
    if table:
        cond &= AuditLog.table == table.strip()
    if action:
        cond &= AuditLog.action == action.strip()
    if text:
        like = text.strip()
        cond &= (AuditLog.new.contains(like) | AuditLog.old.contains(like) | AuditLog.source.contains(like))
    order = (AuditLog.at.desc(), AuditLog.id.desc()) if newest_first else (AuditLog.at, AuditLog.id)
    q = (AuditLog.select(AuditLog.id, AuditLog.at, AuditLog.action, AuditLog.table, AuditLog.row_id,
                         AuditLog.source, AuditLog.os_user, AuditLog.old, AuditLog.new,
                         Staff.login.alias("login"), Staff.name.alias("staff_name"))
         .join(Staff, pw.JOIN.LEFT_OUTER, on=(AuditLog.staff == Staff.id))
         .where(cond).order_by(*order))
    recheck = bool(text) and hide  # a row found only by hidden words is dropped, so count here
    if limit and not recheck:
        q = q.limit(limit)
    shown = 0
    for r in q.dicts().iterator():
        at = r["at"]
        if isinstance(at, str):
            at = dt.datetime.fromisoformat(at)
        e = AuditEntry(id=r["id"], at=at, login=r["login"] or "", staff_name=r["staff_name"] or "",
                       action=r["action"], table=r["table"], row_id=r["row_id"], source=_where(r["os_user"], r["source"]),
                       old=_loads(r["old"]), new=_loads(r["new"]))
        if hide and e.table == "contact" and counselling.about(e):
            e = hide_counselling(e)
            if recheck and not _still_found(e, text.strip()):
                continue
        if e.table == "report" and not reporters_shown:
            if login:  # the filter itself would name the reporter
                continue
            e = hide_reporter(e)
        yield e
        shown += 1
        if limit and shown >= limit:
            return


# Keys of a contact's audit row that say that a talk happened (seen by everyone who sees the
# child); every other key (content, effect, follow_up, mood, concerns …) is what was said.
CONTACT_FACT_KEYS = frozenset({"child", "kind", "at", "minutes", "reached", "staff", "group_key", "follow_up_due",
                               "created_at", "updated_at"})


class _CounsellingContacts:
    """Which contact rows are 心理辅导 notes: the contact is one now, or any of its audit rows
    names that kind (a note whose kind changed, a deleted note — and, as SQLite may reuse a
    deleted row's id, every row under that id is hidden then). Two queries, on the first
    contact row read, whatever the length of the log."""

    def __init__(self) -> None:
        self.ids: set[int] | None = None

    def about(self, e: AuditEntry) -> bool:
        if COUNSELLING in (e.old.get("kind"), e.new.get("kind")):
            return True
        if self.ids is None:
            self.ids = self._load()
        return e.row_id in self.ids

    @staticmethod
    def _load() -> set[int]:
        ids = {cid for (cid,) in Contact.select(Contact.id).where(Contact.kind == COUNSELLING).tuples()}
        rows = (AuditLog.select(AuditLog.row_id, AuditLog.old, AuditLog.new)
                .where((AuditLog.table == "contact")
                       & (AuditLog.old.contains(COUNSELLING) | AuditLog.new.contains(COUNSELLING))).tuples())
        ids.update(row_id for row_id, old, new in rows
                   if COUNSELLING in (_loads(old).get("kind"), _loads(new).get("kind")))
        return ids


REPORTER_HIDDEN = "(强制报告人身份保密)"


def hide_reporter(e: AuditEntry) -> AuditEntry:
    """A 强制报告 row without who did it (reporter, head or counselor: naming any tells who knows)."""
    from dataclasses import replace

    return replace(e, login="", staff_name=REPORTER_HIDDEN)


def hide_counselling(e: AuditEntry) -> AuditEntry:
    """The entry with every non-empty value but the facts (``CONTACT_FACT_KEYS``) replaced by
    ``COUNSELLING_HIDDEN``, old and new alike; the stored row is not touched."""
    from dataclasses import replace

    def blank(d: dict) -> dict:
        return {k: v if k in CONTACT_FACT_KEYS or k == REDACTED_KEY or v in (None, "", [], {}) else COUNSELLING_HIDDEN
                for k, v in d.items()}

    return replace(e, old=blank(e.old), new=blank(e.new))


def _still_found(e: AuditEntry, like: str) -> bool:
    """Whether the text filter still matches what the viewer is shown of the entry."""
    return like in dumps(e.old) or like in dumps(e.new) or like in e.source


def _where(os_user: str | None, source: str | None) -> str:
    """``OSUSER@ADDRESS`` (``guanai@10.0.0.5``, ``wang@local``); rows from before 0009 only the address."""
    source = source or ""
    return f"{os_user}@{source}" if os_user else source


REDACTED_KEY = "已清除"


def redact_purged(rows: dict[str, list[int]], *, on: dt.date) -> int:
    """Blank the values of the audit rows about records a purge has just deleted; returns how many.

    ``rows`` maps a table name to the ids deleted from it. Runs inside the purge's transaction,
    so the records and the values about them go together or not at all.
    """
    blank = dumps({REDACTED_KEY: on.isoformat()})
    changed = 0
    for table, ids in rows.items():
        ids = sorted(set(ids))
        for i in range(0, len(ids), 500):
            # the one sanctioned way past the model's refusal to update (see the module docstring)
            query = super(AuditLog, AuditLog).update(old="{}", new=blank)  # audit-redaction
            changed += query.where((AuditLog.table == table) & AuditLog.row_id.in_(ids[i:i + 500])).execute()
    return changed


# --- showing -------------------------------------------------------------------------

def _show(value: Any) -> str:
    if value is None or value == "":
        return "空"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, (list, tuple)):
        return "、".join(_show(v) for v in value) or "空"
    if isinstance(value, dict):  # e.g. an export's rows per sheet
        value = "、".join(f"{k} {_show(v)}" for k, v in value.items()) or "空"
    text = str(value).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return text if len(text) <= 60 else text[:59] + "…"


def describe(e: AuditEntry) -> str:
    """The changed fields as 'field: old→new; …' (or the new values of a create/event)."""
    if set(e.new) == {REDACTED_KEY} and not e.old:
        return f"内容已随档案删除 ({_show(e.new[REDACTED_KEY])})"
    keys = list(dict.fromkeys([*e.new, *e.old]))
    parts = []
    for k in keys:
        new, old = mask_value(k, e.new.get(k)), mask_value(k, e.old.get(k))
        if k in e.old and k in e.new:
            parts.append(f"{k}: {_show(old)}→{_show(new)}")
        elif k in e.new:
            parts.append(f"{k}={_show(new)}")
        else:
            parts.append(f"{k}: {_show(old)}→空")
    return "; ".join(parts)


def format_line(e: AuditEntry) -> str:
    """One line, tab-separated: time, who, action, table#row, source, what changed (numbers
    masked; 心理辅导 text as ``entries`` gave it to its viewer, i.e. hidden but for a counselor)."""
    fields = (e.at.strftime("%Y-%m-%d %H:%M:%S"), e.who, e.action, f"{e.table}#{e.row_id}", e.source or "-",
              describe(e) or "-")
    return "\t".join(one_line(f) for f in fields)


def one_line(value: object) -> str:
    """No control or format characters (a name with ESC codes must not drive the admin's terminal):
    ``models.sanitize``'s rule, on one line."""
    return clean_text(str(value), multiline=False).strip()
