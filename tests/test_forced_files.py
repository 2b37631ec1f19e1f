"""Over SSH (``guanai --as``) a teacher's files stay in her own folder: the 保存到 of the handbook
and the import's file can reach nothing else of the service account's (its database, its keys)."""
from __future__ import annotations

import os

import pytest
from textual.widgets import Input, Static

from tui.context import Session, UsageError, files_folder, within


def test_files_folder_is_private_and_beside_the_database(tmp_path):
    db = tmp_path / "school.db"
    folder = files_folder(str(db), "wangli")
    assert folder == str(tmp_path / "files" / "wangli")
    assert os.stat(folder).st_mode & 0o777 == 0o700
    assert files_folder(str(db), "wangli") == folder  # again: the same, nothing changed


def test_a_planted_link_is_not_a_files_folder(tmp_path):
    (tmp_path / "files").mkdir()
    os.symlink(tmp_path, tmp_path / "files" / "wangli")
    with pytest.raises(UsageError, match="链接"):
        files_folder(str(tmp_path / "school.db"), "wangli")


@pytest.mark.parametrize("path, inside", [
    ("{f}/a.xlsx", True), ("{f}", True), ("{f}/sub/../b.csv", True),
    ("{f}/../other/a.xlsx", False), ("{db}", False), ("/etc/passwd", False), ("{f}/out/x.xlsx", False),
])
def test_within(tmp_path, path, inside):
    folder = files_folder(str(tmp_path / "school.db"), "wangli")
    os.symlink(tmp_path, os.path.join(folder, "out"))  # a link out of the folder does not count as inside
    path = path.format(f=folder, db=tmp_path / "school.db")
    if inside:
        assert within(folder, path).startswith(folder)
    else:
        with pytest.raises(UsageError, match="只能放在"):
            within(folder, path)


def forced_app(tiny_school, tmp_path):
    from tui.app import GuanaiApp

    school, li = tiny_school["school"], tiny_school["staff"][0]
    folder = files_folder(tiny_school["path"], li.login)
    return GuanaiApp(Session(target=tiny_school["path"], school_id=school.id, staff_id=li.id, staff_name=li.name,
                             school_name=school.name, files_dir=folder)), folder


async def test_handbook_over_ssh_saves_only_in_her_folder(tiny_school, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app, folder = forced_app(tiny_school, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#hb-folder", Input).value == folder
        # the database's own folder (the service account's home on a server)
        screen.query_one("#hb-folder", Input).value = os.path.dirname(tiny_school["path"])
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "只能放在" in str(screen.query_one("#hb-result", Static).content)
        screen.query_one("#hb-folder", Input).value = folder
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.last_result is not None and os.path.dirname(screen.last_result.path) == folder
    assert os.path.getsize(tiny_school["path"]) > 0 and open(tiny_school["path"], "rb").read(6) == b"SQLite"


async def test_import_over_ssh_reads_only_her_folder(tiny_school, tmp_path, monkeypatch):
    from screens.import_screen import ImportScreen

    outside = tmp_path / "elsewhere.csv"
    outside.write_text("姓名,性别\n李四,男\n", encoding="utf-8")
    app, folder = forced_app(tiny_school, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ImportScreen())
        await pilot.pause()
        screen = app.screen
        assert all(str(p).startswith(folder) for p in screen.files)
        screen.query_one("#imp-path", Input).value = str(outside)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "只能放在" in str(screen.query_one("#imp-error", Static).content)
        assert screen.step == "file"
