"""Every refusal meant for the user is a ``models.errors.UserError``, so the CLI and the screens
catch one type; the classes keep their names and their old bases, so existing callers still work."""
from __future__ import annotations

import importlib

import pytest

from models.errors import UserError
from models.pairings import PairingError
from models.validation import Invalid

# (module, class, an old base its callers may still catch besides UserError)
USER_ERRORS = [
    ("models.audit", "AuditQueryError", ValueError),
    ("models.auth", "AuthError", None),
    ("models.auth", "WrongPin", None),
    ("models.auth", "PinError", ValueError),
    ("models.backup", "BackupError", None),
    ("models.calendar", "CalendarError", ValueError),
    ("models.children", "SaveError", None),
    ("models.conflicts", "ConflictError", None),
    ("models.db", "DatabaseError", None),
    ("models.db", "DiskIOError", None),
    ("models.duties", "RuleError", ValueError),
    ("models.handbook", "HandbookError", ValueError),
    ("models.pairings", "PairingError", None),
    ("models.pairings", "OverLoad", None),
    ("models.privacy", "PrivacyError", ValueError),
    ("models.sample", "SampleFileError", ValueError),
    ("models.schema", "SchemaError", None),
    ("models.scope", "ForbiddenError", None),
    ("models.terms", "TermError", ValueError),
    ("models.users", "UserError", ValueError),
    ("models.validation", "Invalid", ValueError),
    ("tui.context", "UsageError", None),
    ("tui.export", "ExportError", None),
    ("tui.importer", "ImportFileError", None),
]


@pytest.mark.parametrize("module, name, old_base", USER_ERRORS)
def test_user_facing_errors_share_one_base(module, name, old_base):
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, UserError)
    if old_base is not None:
        assert issubclass(cls, old_base)


def test_programming_errors_are_not_user_errors():
    """An attempt to change the audit log is a bug to see in full, never a one-line notice."""
    from models.entities import AuditAppendOnly

    assert not issubclass(AuditAppendOnly, UserError)


def test_errors_module_is_a_leaf():
    from tests.test_import_graph import ROOT, imported_names

    names = [target for target, _ in imported_names("models.errors", ROOT / "models" / "errors.py")]
    assert [n for n in names if n.split(".")[0] in ("models", "tui", "screens")] == []


@pytest.mark.parametrize("error", [
    UserError("没有这个班级: 九年级1班"),
    Invalid("出生日期不对"),
    PairingError("请填写帮扶人姓名"),
])
def test_the_cli_shows_any_user_error_as_one_line_and_exits_2(monkeypatch, capsys, error):
    """A refusal no command handler names itself still reaches the user as one clean line."""
    from tui import cli

    def refuse(args):
        raise error

    monkeypatch.setattr(cli, "cmd_backup", refuse)
    assert cli.main(["backup", "-o", "x.db"]) == 2
    err = capsys.readouterr().err
    assert err == f"guanai: {error}\n"


def test_the_cli_does_not_hide_a_programming_error(monkeypatch):
    from tui import cli

    def broken(args):
        raise TypeError("a bug")

    monkeypatch.setattr(cli, "cmd_backup", broken)
    with pytest.raises(TypeError):
        cli.main(["backup", "-o", "x.db"])
