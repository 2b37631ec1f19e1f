"""Where the handbook workbook goes: its default name, the target a user's ``-o`` means, and the checks
that refuse a target before any work is done (the file itself is created by ``models.files``)."""
from __future__ import annotations

import os
import re

from models.errors import UserError
from models.handbook import Scope

_BAD_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


class ExportError(UserError):
    """The workbook cannot be written where asked (exists, no such folder, not writable); for the user."""


def default_filename(scope: Scope) -> str:
    """留守儿童工作手册_<班级或学校>_<YYYY-MM>.xlsx, safe on Windows and USB sticks."""
    label = safe_part(scope.label, "学校")
    return f"留守儿童工作手册_{label}_{scope.month_text}.xlsx"


def safe_part(text: str, fallback: str) -> str:
    """A piece of a file name (a class, a term) without what Windows or a USB stick refuses."""
    return _BAD_NAME.sub("", text).strip().strip(".") or fallback


def resolve_path(scope: Scope, output: str | None, *, cwd: str | None = None) -> str:
    """The absolute target: ``output`` (a file, or a folder for the default name), else the default
    name in ``cwd`` (the working folder)."""
    return resolve_output(output, default_filename(scope), cwd=cwd)


def resolve_output(output: str | None, default_name: str, *, cwd: str | None = None) -> str:
    """What every command's ``-o`` means: a file, or a folder (an existing one, or any path written
    with a trailing slash) for ``default_name`` in it; no ``-o``: ``default_name`` in ``cwd``."""
    base = cwd or os.getcwd()
    if not output:
        return os.path.join(base, default_name)
    path = os.path.abspath(os.path.join(base, os.path.expanduser(output)))
    if os.path.isdir(path) or output.endswith(("/", os.sep)):
        return os.path.join(path, default_name)
    return path


def check_target(path: str, *, force: bool, suffix: str = ".xlsx") -> str:
    """Refuse a target that cannot be written, before any work; returns the absolute path."""
    path = os.path.abspath(path)
    if not path.lower().endswith(suffix):
        raise ExportError(f"输出文件应以 {suffix} 结尾: {path}")
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise ExportError(f"目录不存在: {folder}")
    if os.path.isdir(path):
        raise ExportError(f"这是一个目录, 不是文件: {path}")
    if os.path.lexists(path) and not force:
        raise ExportError(f"文件已存在: {path} (要覆盖请加 --force)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"没有权限写入目录: {folder}")
    return path
