"""Can any OS user besides its owner reach the database file? Checked before SQLite opens it.

The file holds the records of children under 14, every 心理辅导 note and the staff table with
its roles and PIN hashes. Whoever can read it reads everything, and whoever can write it can make
herself admin, unaudited: the app's roles protect nothing once the file itself is shared. So the
rule is that exactly one OS account reaches the file (the teacher on her own PC; on a school
server the service account that teachers reach through SSH with a forced command, see README),
and ``guanai`` refuses, with one line saying what to fix, to open a database file that another
OS user could read or write, or whose folder another OS user could write (and so replace the file
or plant its ``-wal``).

"Could reach" is judged by what the kernel would allow, not by the mode bits alone: a file with
mode 0644 inside a 0700 folder is unreadable to others, and group bits matter only when the
file's group has a member besides the owner. root is not counted (root reads every file). POSIX
access lists are not read (``getfacl`` them if used). On Windows the check is skipped: there a
personal PC's profile folder is private by default. No textual here.
"""
from __future__ import annotations

import os
import stat

SERVER_HELP = "服务器上的部署方法见 README「在学校服务器上部署」"


def _group_has_others(gid: int, owner_uid: int) -> bool:
    """Whether an OS user other than the owner (and root) belongs to the group ``gid``."""
    import grp
    import pwd

    try:
        group = grp.getgrgid(gid)
    except KeyError:
        return True  # a group this machine cannot name: assume it is shared
    try:
        owner = pwd.getpwuid(owner_uid).pw_name
    except KeyError:
        owner = None
    if any(m not in (owner, "root") for m in group.gr_mem):
        return True
    return any(p.pw_gid == gid and p.pw_uid not in (owner_uid, 0) for p in pwd.getpwall())


def _ancestors(folder: str) -> list[os.stat_result]:
    """The folder and every folder above it: all must be searchable (x) to reach a file inside."""
    out = []
    folder = os.path.abspath(folder)
    while True:
        out.append(os.stat(folder))
        parent = os.path.dirname(folder)
        if parent == folder:
            return out
        folder = parent


def _others_reach(dirs: list[os.stat_result]) -> bool:
    return all(d.st_mode & stat.S_IXOTH for d in dirs)


def _group_reaches(dirs: list[os.stat_result], gid: int) -> bool:
    return all(d.st_mode & stat.S_IXOTH or (d.st_gid == gid and d.st_mode & stat.S_IXGRP) for d in dirs)


def _who_else(st: os.stat_result, dirs: list[os.stat_result], other_bits: int, group_bits: int) -> str | None:
    """'其他系统用户' or '组 NAME 的其他成员' when they hold any of the bits and can get there."""
    if st.st_mode & other_bits and _others_reach(dirs):
        return "其他系统用户"
    if st.st_mode & group_bits and _group_reaches(dirs, st.st_gid) and _group_has_others(st.st_gid, st.st_uid):
        import grp

        try:
            name = grp.getgrgid(st.st_gid).gr_name
        except KeyError:
            name = str(st.st_gid)
        return f"组 {name} 的其他成员"
    return None


def _writers(dir_st: os.stat_result, above: list[os.stat_result]) -> str | None:
    """Who else may create, rename or delete entries in the folder (needs w and x on it)."""
    wx_other, wx_group = stat.S_IWOTH | stat.S_IXOTH, stat.S_IWGRP | stat.S_IXGRP
    other_bits = stat.S_IWOTH if dir_st.st_mode & wx_other == wx_other else 0
    group_bits = stat.S_IWGRP if dir_st.st_mode & wx_group == wx_group else 0
    return _who_else(dir_st, above, other_bits, group_bits)


def exposure(path: str) -> str | None:
    """Why the SQLite file at ``path`` is not private to its owner (one line for the user), or None.

    Looks at the file, its ``-wal`` and ``-shm`` (the newest changes live there) and its folder.
    A path that does not exist yet is judged by its folder alone."""
    if os.name != "posix" or path == ":memory:":
        return None
    path = os.path.realpath(path)
    folder = os.path.dirname(path)
    try:
        above = _ancestors(os.path.dirname(folder)) if os.path.dirname(folder) != folder else []
        dir_st = os.stat(folder)
    except OSError:
        return None  # the caller reports a missing or unreadable folder in its own words
    dirs = [dir_st, *above]
    who = _writers(dir_st, above)
    if who is not None:
        return (f"数据库所在目录 {folder} {who}可以写入 (权限 {stat.S_IMODE(dir_st.st_mode):04o}), "
                f"他们可以替换数据库文件: 请运行 chmod 700 {folder}; {SERVER_HELP}")
    for name in (path, path + "-wal", path + "-shm"):
        try:
            st = os.lstat(name)
        except FileNotFoundError:
            continue
        except OSError:
            return None
        who = _who_else(st, dirs, stat.S_IROTH | stat.S_IWOTH, stat.S_IRGRP | stat.S_IWGRP)
        if who is not None:
            return (f"数据库文件 {name} {who}也能读写 (权限 {stat.S_IMODE(st.st_mode):04o}), 孩子的档案只能由一个"
                    f"系统账号读取: 请运行 chmod 600 {path}*; {SERVER_HELP}")
    return None


def owns(path: str) -> bool:
    """Whether this process is the OS owner of ``path`` (or root): who may mend a database that
    cannot be opened, or unlock a login, without a staff login (they could replace the file anyway)."""
    if os.name != "posix":
        return True
    try:
        return os.geteuid() in (0, os.stat(path).st_uid)
    except OSError:
        return False
