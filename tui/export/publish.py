"""How a one-sheet export reaches its file: written to a private temporary file beside the target,
recorded in the database (the audit row, a snapshot), and only then published under its name, in
the same transaction: a refusal or a full disk leaves neither a half file nor a record of one."""
from __future__ import annotations

from typing import IO, Callable, TypeVar

from models import db as dbmod
from models import files
from tui.export.paths import ExportError

T = TypeVar("T")


def publish(path: str, *, force: bool, write: Callable[[IO[bytes]], None], record: Callable[[], T]) -> T:
    """``write`` the file's bytes, run ``record`` in a write transaction, publish the file (over an
    existing one only with ``force``: a link there is replaced, never followed); returns what
    ``record`` returned. ``path`` has passed ``check_target``. Errors come as ``ExportError``."""
    try:
        with files.pending(path) as out:
            write(out.file)
            with dbmod.write():
                result = record()
                try:
                    out.publish(overwrite=force)
                except FileExistsError:
                    raise ExportError(f"文件已存在: {path} (要覆盖请加 --force)") from None
    except ExportError:
        raise
    except OSError as exc:
        from models.backup import _why

        raise ExportError(_why(exc, path)) from None
    return result
