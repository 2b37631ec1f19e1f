"""Every file the app writes (models/files.py): a link planted at its name is never written through,
the file is owner-only (0600) and a real file, and an interrupted write leaves no temporary file.

The attack these stand for: a colleague plants ``名册-导入报告.csv -> ~victim/.bashrc`` beside an
import file; the import report must not overwrite the victim's file.
"""
from __future__ import annotations

import datetime as dt
import os
import signal
import stat
import tempfile

import pytest

from models import backup, files, handbook
from models import db as dbmod
from models.sample import build_sample
from models.scope import system_viewer
from tui import export, importer

ALL = system_viewer()
VICTIM_TEXT = "export PATH=/usr/bin  # the victim's .bashrc\n"
TODAY = dt.date(2026, 11, 28)


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def assert_private_file(path) -> None:
    assert not os.path.islink(path), f"{path} is still a link"
    assert stat.S_ISREG(os.lstat(path).st_mode)
    assert mode(path) == 0o600, oct(mode(path))


@pytest.fixture
def victim(tmp_path):
    """Another teacher's file, and a dangling name where a victim file could be created."""
    home = tmp_path / "victim-home"
    home.mkdir()
    bashrc = home / ".bashrc"
    bashrc.write_text(VICTIM_TEXT)
    return {"file": bashrc, "absent": home / "created-through-a-link"}


def assert_victim_untouched(victim) -> None:
    assert victim["file"].read_text() == VICTIM_TEXT
    assert not victim["absent"].exists(), "a file was created through a dangling link"


def leftovers(folder, keep=()) -> list[str]:
    """Temporary files or folders the writers make (all start with ``.~``), beside anything else."""
    return sorted(p for p in os.listdir(folder) if p.startswith(".~") and p not in keep)


# --------------------------------------------------------------------------- the helper itself


def test_create_private_is_0600_whatever_the_umask_and_refuses_any_existing_name(tmp_path, victim):
    old = os.umask(0o277)  # would make a plain open() file read-only for its owner
    try:
        fd = files.create_private(str(tmp_path / "new"))
        os.close(fd)
    finally:
        os.umask(old)
    assert_private_file(tmp_path / "new")
    for name, points_to in (("link", victim["file"]), ("dangling", victim["absent"])):
        os.symlink(points_to, tmp_path / name)
        with pytest.raises(FileExistsError):
            files.create_private(str(tmp_path / name))
    assert_victim_untouched(victim)


def test_temporary_names_are_unpredictable(tmp_path):
    target = str(tmp_path / "名册-导入报告.csv")
    names = {files.temp_name(target) for _ in range(20)}
    assert len(names) == 20
    assert all(os.path.dirname(n) == str(tmp_path) for n in names)


@pytest.mark.parametrize("overwrite", [True, False])
def test_write_atomic_never_writes_through_a_link(tmp_path, victim, overwrite):
    for name, points_to in (("a.csv", victim["file"]), ("b.csv", victim["absent"])):
        target = tmp_path / name
        os.symlink(points_to, target)
        if overwrite:  # the link itself is replaced by the new file
            with files.write_atomic(str(target), overwrite=True) as fh:
                fh.write(b"new")
            assert_private_file(target)
            assert target.read_bytes() == b"new"
        else:  # refused: nothing existing is replaced
            with pytest.raises(FileExistsError):
                with files.write_atomic(str(target)) as fh:
                    fh.write(b"new")
            assert os.path.islink(target)
    assert_victim_untouched(victim)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, RuntimeError, "SIGTERM", "SIGHUP"])
def test_an_interrupted_write_leaves_nothing(tmp_path, interruption):
    target = tmp_path / "out.csv"
    before = {s: signal.getsignal(getattr(signal, s)) for s in ("SIGTERM", "SIGHUP")}
    expected = files.Interrupted if isinstance(interruption, str) else interruption
    with pytest.raises(expected):
        with files.write_atomic(str(target)) as fh, files.private_workdir(str(target)) as work:
            fh.write("李小红,522623201603050021\n".encode())
            (open(os.path.join(work, "scratch"), "w")).close()
            assert len(leftovers(tmp_path)) == 2
            if isinstance(interruption, str):
                os.kill(os.getpid(), getattr(signal, interruption))  # a dropped SSH session, a kill
            else:
                raise interruption()
    assert os.listdir(tmp_path) == []
    assert {s: signal.getsignal(getattr(signal, s)) for s in before} == before, "handlers restored"


# --------------------------------------------------------------------------- the import report


def test_import_report_replaces_a_planted_link_and_is_private(tiny_school, tmp_path, victim):
    src = tmp_path / "名册.csv"
    src.write_text("姓名,性别,出生日期\n李小红,女,2016-03-05\n", encoding="utf-8")
    link = tmp_path / "名册-导入报告.csv"
    os.symlink(victim["file"], link)
    report = importer.run_import(str(src), school_id=tiny_school["school"].id, staff_id=None, viewer=ALL,
                                 dry_run=True, today=TODAY)
    assert report.report_path == str(link)
    assert_private_file(link)
    assert "李小红" in link.read_text(encoding="utf-8-sig")
    os.unlink(link)
    os.symlink(victim["absent"], link)  # a dangling link: nothing may be created at its target
    importer.run_import(str(src), school_id=tiny_school["school"].id, staff_id=None, viewer=ALL, dry_run=True,
                        today=TODAY)
    assert_private_file(link)
    assert_victim_untouched(victim)
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- the handbook workbook


def test_handbook_export_never_writes_through_a_planted_link(tiny_school, tmp_path, victim):
    scope = handbook.make_scope(tiny_school["school"].id, "2026-11", viewer=ALL, today=TODAY)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "手册.xlsx"
    os.symlink(victim["file"], target)
    with pytest.raises(export.ExportError, match="文件已存在"):
        export.export_handbook(scope, str(target))
    assert os.path.islink(target)
    result = export.export_handbook(scope, str(target), force=True)  # --force replaces the link itself
    assert result.path == str(target)
    assert_private_file(target)
    assert target.read_bytes()[:2] == b"PK"
    masked = out / "masked.xlsx"
    os.symlink(victim["absent"], masked)
    export.export_handbook(scope, str(masked), force=True)
    assert_private_file(masked)  # masked or not: owner-only
    assert_victim_untouched(victim)
    assert leftovers(out) == []


def test_an_interrupted_export_leaves_no_temporary_file(tiny_school, tmp_path, monkeypatch):
    scope = handbook.make_scope(tiny_school["school"].id, "2026-11", viewer=ALL, today=TODAY)
    out = tmp_path / "out"
    out.mkdir()
    scratch = tmp_path / "systemtmp"  # xlsxwriter's scratch files must not land in the system temp folder
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    seen = []

    def progress(message, fraction):
        seen.append(leftovers(out))
        if len(seen) == 4:  # in the middle of the sheets: ctrl+c
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export.export_handbook(scope, str(out / "手册.xlsx"), progress=progress)
    assert len(seen[-1]) == 2, "the workbook's temporary file and its scratch folder existed meanwhile"
    assert os.listdir(out) == []
    assert list(scratch.iterdir()) == []


# --------------------------------------------------------------------------- backup, restore, sample


def test_backup_refuses_a_planted_link_and_is_private(tiny_school, tmp_path, victim):
    for name, points_to in (("b1.db", victim["file"]), ("b2.db", victim["absent"])):
        os.symlink(points_to, tmp_path / name)
        with pytest.raises(backup.BackupError, match="文件已存在"):
            backup.backup_to(str(tmp_path / name))
    made = backup.backup_to(str(tmp_path / "b3.db"))
    assert_private_file(made)
    assert_victim_untouched(victim)
    assert leftovers(tmp_path) == []


def test_an_interrupted_backup_leaves_no_temporary_file(tiny_school, tmp_path, monkeypatch):
    out = tmp_path / "backups"
    out.mkdir()

    def interrupted(con):
        assert len(leftovers(out)) == 1  # the private folder with the copy in it
        raise KeyboardInterrupt

    monkeypatch.setattr(backup, "integrity", interrupted)
    with pytest.raises(KeyboardInterrupt):
        backup.backup_to(str(out / "nightly.db"))
    assert os.listdir(out) == []


def test_restore_keeps_the_old_database_beside_planted_links(tiny_school, tmp_path, victim):
    saved = backup.backup_to(str(tmp_path / "saved.db"))
    now = dt.datetime(2026, 11, 28, 9, 30, 0)
    db_file = dbmod.current().database
    planted = f"{db_file}.before-restore-20261128-093000"
    os.symlink(victim["file"], planted)
    os.symlink(victim["absent"], planted + "-2")
    kept = backup.restore_from(saved, now=now)
    assert kept not in (planted, planted + "-2")
    assert_private_file(kept)
    assert os.path.islink(planted) and os.path.islink(planted + "-2")
    assert_victim_untouched(victim)
    assert leftovers(tmp_path) == []


def test_replace_broken_moves_the_broken_file_beside_planted_links(tiny_school, tmp_path, victim):
    saved = backup.backup_to(str(tmp_path / "saved.db"))
    dbmod.current().close()
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database")
    now = dt.datetime(2026, 11, 28, 9, 30, 0)
    os.symlink(victim["file"], f"{broken}.before-restore-20261128-093000")
    kept = backup.replace_broken(str(broken), saved, now=now)
    assert open(kept, "rb").read() == b"not a database"
    assert_private_file(broken)
    assert_victim_untouched(victim)
    assert leftovers(tmp_path) == []


def test_sample_refuses_a_planted_link_and_is_private(tmp_path, victim):
    for name, points_to in (("s1.db", victim["file"]), ("s2.db", victim["absent"])):
        os.symlink(points_to, tmp_path / name)
        with pytest.raises(ValueError, match="文件已存在"):
            build_sample(str(tmp_path / name), children=20)
    build_sample(str(tmp_path / "s3.db"), children=20)
    assert_private_file(tmp_path / "s3.db")
    assert_victim_untouched(victim)
    assert leftovers(tmp_path) == []


def test_commands_refuse_a_planted_link_with_one_line(tmp_path, victim):
    """`guanai sample -o LINK`: one line on stderr, exit 2, nothing created through the link."""
    import subprocess
    import sys
    from pathlib import Path

    link = tmp_path / "demo.db"
    os.symlink(victim["absent"], link)
    guanai = str(Path(sys.executable).with_name("guanai"))
    res = subprocess.run([guanai, "sample", "-o", str(link), "--children", "20"], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "GUANAI_DB": ""})
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip().splitlines() == [f"guanai: 文件已存在, 不会覆盖: {link}"]
    assert os.path.islink(link)
    assert_victim_untouched(victim)
    assert leftovers(tmp_path) == []
