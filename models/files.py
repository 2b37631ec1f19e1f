"""Every file the app writes: created new, owner-only, never through a planted link.

Why: reports, exports and backups are written into folders other people may write to (a shared
folder, /tmp, a colleague's home). A name there can be a symlink planted to point at someone's
``.bashrc``; ``open(path, "w")`` follows it and overwrites the victim, and a predictable temporary
name is just as easy to plant. So every file here is

- created under an unpredictable name with ``O_CREAT | O_EXCL | O_NOFOLLOW`` (never an existing
  file, never through a link), mode 0600 whatever the umask (children's data: owner only);
- written, flushed and fsynced, then renamed into place: ``rename`` replaces a link at the final
  name, it never writes through it; without ``overwrite`` nothing existing (a link included) is
  replaced at all;
- removed on any failure, ``KeyboardInterrupt`` included, and on SIGTERM/SIGHUP (a dropped SSH
  session) when the write runs in the main thread, so no partial file keeps children's data.

Writers that only take a path (SQLite, xlsxwriter's scratch files) work inside
``private_workdir``: a fresh 0700 folder beside the target, which nobody else can put a link into.
No textual here.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import stat
import tempfile
import threading
from typing import IO, Iterator

PRIVATE_MODE = 0o600
# O_NOFOLLOW and O_CLOEXEC do not exist on Windows; O_BINARY only there.
_CREATE = (os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
           | getattr(os, "O_BINARY", 0))


def create_private(path: str) -> int:
    """A new file at ``path``, mode 0600, opened for writing; returns the descriptor.

    ``FileExistsError`` when anything (a file, a link, even a dangling one) is already there."""
    fd = os.open(path, _CREATE, PRIVATE_MODE)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, PRIVATE_MODE)  # exactly 0600: a umask such as 0277 would leave it read-only
    except BaseException:
        os.close(fd)
        raise
    return fd


def temp_name(path: str, tag: str = "part") -> str:
    """An unpredictable hidden name beside ``path``: ``.~NAME.<random>.part``."""
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".~{name}.{secrets.token_hex(8)}.{tag}")


def create_temp_beside(path: str) -> tuple[int, str]:
    """A new private temporary file in ``path``'s folder (for the final rename); (fd, its path)."""
    for _ in range(100):
        tmp = temp_name(path)
        try:
            return create_private(tmp), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def fsync_folder(folder: str) -> None:
    """Make a rename in ``folder`` durable (not possible on every system: then skipped)."""
    fsync_path(folder or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))


def fsync_path(path: str, flags: int = os.O_RDONLY) -> None:
    """Flush a file (or folder) that is already written and closed; skipped where refused."""
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def publish(tmp: str, path: str, *, overwrite: bool = False) -> None:
    """Move the finished ``tmp`` to ``path`` (same folder).

    ``overwrite``: ``os.replace``, which replaces whatever is at ``path`` (a planted link itself, not
    what it points to). Otherwise ``FileExistsError`` when anything is at ``path``: a hard link is
    made (it fails on any existing name, a link included), then ``tmp`` removed."""
    if overwrite:
        os.replace(tmp, path)
    else:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links (a FAT USB stick): check, then rename
            if os.path.lexists(path):
                raise FileExistsError(path) from None
            os.replace(tmp, path)
        else:
            os.unlink(tmp)
    fsync_folder(os.path.dirname(path))


def remove_quietly(path: str) -> None:
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived while a file was being written: unwinds like ctrl+c, so the
    partial file is removed; the command then ends as it would have."""


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into ``Interrupted`` while inside (main thread only, and only where the
    signal would otherwise kill the process outright: a handler someone installed is left alone)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    installed = {}

    def stop(signum, frame):  # noqa: ARG001
        raise Interrupted(f"signal {signum}")

    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        try:
            if signal.getsignal(sig) == signal.SIG_DFL:
                installed[sig] = signal.signal(sig, stop)
        except (ValueError, OSError):
            pass
    try:
        yield
    finally:
        for sig, old in installed.items():
            try:
                signal.signal(sig, old)
            except (ValueError, OSError):
                pass


class Pending:
    """A private temporary file beside ``path`` being written (``file``, binary); ``publish``
    renames it into place. Made by ``pending``, which removes it unless it was published."""

    def __init__(self, path: str, tmp: str, fh: IO[bytes]) -> None:
        self.path, self.tmp, self.file = path, tmp, fh
        self.published = False

    def publish(self, *, overwrite: bool = False) -> None:
        """Flush, fsync, check nobody swapped the name meanwhile, close, rename into place."""
        self.file.flush()
        os.fsync(self.file.fileno())
        _same_file(self.file.fileno(), self.tmp)
        self.file.close()
        publish(self.tmp, self.path, overwrite=overwrite)
        self.published = True


@contextlib.contextmanager
def pending(path: str) -> Iterator[Pending]:
    """A ``Pending`` file for ``path``: for a caller that publishes at a moment of its choosing (the
    handbook export renames inside the transaction that logs it). On any exit without ``publish``
    (an exception, ``KeyboardInterrupt``, SIGTERM/SIGHUP in the main thread) the file is removed."""
    path = os.path.abspath(path)
    with interruptible():
        fd, tmp = create_temp_beside(path)
        item = Pending(path, tmp, os.fdopen(fd, "wb"))
        try:
            yield item
        finally:
            if not item.published:
                try:
                    item.file.close()
                except OSError:
                    pass
                remove_quietly(tmp)


@contextlib.contextmanager
def write_atomic(path: str, *, overwrite: bool = False) -> Iterator[IO[bytes]]:
    """Write ``path`` through a private temporary file beside it: yields a binary file object.

    On a normal exit the data is fsynced and the file renamed into place (``publish``); on any
    exception (``KeyboardInterrupt`` and SIGTERM/SIGHUP included) the temporary file is removed and
    ``path`` is untouched."""
    with pending(path) as item:
        yield item.file
        item.publish(overwrite=overwrite)


def _same_file(fd: int, tmp: str) -> None:
    """The name still holds what we wrote (nobody swapped it meanwhile), before it is published."""
    a, b = os.fstat(fd), os.lstat(tmp)
    if (a.st_dev, a.st_ino) != (b.st_dev, b.st_ino) or not stat.S_ISREG(b.st_mode):
        raise PermissionError(f"{tmp} was replaced while being written")


@contextlib.contextmanager
def private_workdir(beside: str) -> Iterator[str]:
    """A fresh folder (mode 0700, unpredictable name) in ``beside``'s folder for writers that only
    take a path (SQLite, xlsxwriter's scratch files): nobody else can plant a link in it. Removed
    with everything in it on the way out, whatever happens (SIGTERM/SIGHUP too, see ``interruptible``)."""
    folder, name = os.path.split(os.path.abspath(beside))
    with interruptible():
        work = tempfile.mkdtemp(prefix=f".~{name}.", suffix=".tmp", dir=folder)
        try:
            os.chmod(work, 0o700)  # mkdtemp's mode; explicit, as a setgid parent adds its bit
            yield work
        finally:
            shutil.rmtree(work, ignore_errors=True)


def make_private(path: str) -> None:
    """Mode 0600 for a file made inside ``private_workdir`` (where its name cannot be a planted link)."""
    os.chmod(path, PRIVATE_MODE)
