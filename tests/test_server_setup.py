"""The README's server set-up, followed step by step as root, with a real sshd and two OS users.

A service account owns the data; teachers come in over SSH with forced-command keys; a colleague
with her own shell account on the same server tries to read the database and to act as someone
else. The shell blocks are taken from README.md itself, so the steps and the test cannot drift."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.tmuxterm import tmux, wait_for

ROOT = Path(__file__).resolve().parent.parent
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="makes OS users and runs sshd: needs root (CI runs as root)"),
    pytest.mark.timeout(300),
]


def readme_blocks() -> list[str]:
    """The ```sh blocks of the README's server section, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Deploying on a school server"):]
    section = section[:section.index("\n## ", 5)]
    return [re.sub(r"(?m)^ {3}", "", b) for b in re.findall(r"```sh\n(.*?)```", section, re.S)]


def python_for_everyone() -> str:
    """A Python the service account may run: this one unless it lives in root's private home."""
    for candidate in (sys.executable, "/usr/bin/python3"):
        real = os.path.realpath(candidate)
        if all(os.stat(p).st_mode & 0o001 for p in Path(real).parents) and os.path.exists(real):
            return real
    pytest.fail("no Python that other OS users can run (install Debian's python3)")


def sh(script: str, env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], env={**os.environ, **env}, input=stdin,
                          capture_output=True, text=True, timeout=240)


def as_user(user: str, *cmd: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", user, "--", *cmd], input=stdin, capture_output=True, text=True,
                          timeout=60, cwd="/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    tag = os.urandom(3).hex()
    base = tempfile.mkdtemp(prefix="guanai-server-", dir="/tmp")
    os.chmod(base, 0o755)
    account, colleague = f"gsvc{tag}", f"gcol{tag}"
    env = {"ACCOUNT": account, "DATA": f"{base}/srv", "APP": f"{base}/opt"}
    procs = []
    try:
        setup, first_admin, key_line = readme_blocks()
        # step 1 as written, with this machine's paths (the first line sets the README's own)
        step1 = setup.split("\n", 1)[1].replace("/path/to/guanai", str(ROOT))
        step1 = step1.replace("python3 -m venv", f"{python_for_everyone()} -m venv")
        done = sh(step1, env)
        assert done.returncode == 0, done.stderr
        # step 2: the first admin, PIN from a pipe
        done = sh(first_admin, env, stdin="2468\n")
        assert done.returncode == 0, done.stderr
        # the demo school's staff and children into that database, as the service account
        guanai, db = f"{env['APP']}/bin/guanai", f"{env['DATA']}/school.db"
        done = as_user(account, guanai, "--db", db, "sample")
        assert done.returncode == 0, done.stderr
        # step 3 for two teachers, each with a key of her own
        keys = {}
        for login in ("aixinmama", "banzhuren"):
            key = f"{base}/{login}.key"
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key, "-C", login], check=True)
            pub = Path(key + ".pub").read_text().strip()
            done = sh(key_line.split("\n", 1)[1], {**env, "LOGIN": login, "KEY": pub})
            assert done.returncode == 0, done.stderr
            keys[login] = key
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{base}/stranger.key"], check=True)
        keys["stranger"] = f"{base}/stranger.key"
        # a colleague with a shell account of her own on the same server
        subprocess.run(["useradd", "--create-home", "--home-dir", f"{base}/home-{colleague}", colleague], check=True)
        # sshd on a spare loopback port, as Debian runs it (PAM on)
        port = free_port()
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{base}/hostkey"], check=True)
        Path(f"{base}/sshd_config").write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {base}/hostkey\nPidFile {base}/sshd.pid\n"
            "AuthorizedKeysFile .ssh/authorized_keys\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM yes\nStrictModes yes\n"
            f"AllowUsers {account}\nAcceptEnv LANG LC_*\n")
        os.makedirs("/run/sshd", exist_ok=True)
        procs.append(subprocess.Popen([SSHD, "-D", "-e", "-f", f"{base}/sshd_config"],
                                      stdout=subprocess.DEVNULL, stderr=open(f"{base}/sshd.log", "w")))
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield {"base": base, "account": account, "colleague": colleague, "db": db, "guanai": guanai,
               "port": port, "keys": keys, **env}
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
        subprocess.run(["userdel", colleague], capture_output=True)
        subprocess.run(["userdel", account], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def ssh_args(server, who: str) -> list[str]:
    return ["ssh", "-i", server["keys"][who], "-p", str(server["port"]), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
            f"{server['account']}@127.0.0.1"]


def ssh(server, who: str, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ssh_args(server, who), *command], capture_output=True, text=True, timeout=60)


def test_the_data_belongs_to_the_service_account_alone(server):
    data = os.stat(server["DATA"])
    assert data.st_mode & 0o777 == 0o700
    assert os.stat(server["db"]).st_mode & 0o077 == 0


def test_a_colleague_with_a_shell_cannot_read_or_use_the_database(server):
    who, db = server["colleague"], server["db"]
    assert as_user(who, "cat", db).returncode != 0
    peek = as_user(who, os.path.join(server["APP"], "bin", "python"), "-c",
                   f"import sqlite3; print(sqlite3.connect({db!r}).execute('select count(*) from child').fetchone())")
    assert peek.returncode != 0 and "unable to open" in peek.stderr
    for login in ("guanli", "aixinmama"):
        res = as_user(who, server["guanai"], "--db", db, "--user", login, "due")
        assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert "没有权限访问" in res.stderr and "Traceback" not in res.stderr
    # nor by restoring a copy of her own over it
    mine = f"{server['base']}/home-{who}/mine.db"
    assert as_user(who, server["guanai"], "--db", mine, "init").returncode == 0
    res = as_user(who, server["guanai"], "--db", db, "restore", mine, "--yes")
    assert res.returncode == 2 and "没有权限访问" in res.stderr and "Traceback" not in res.stderr
    assert sqlite3.connect(db).execute("select count(*) from child").fetchone()[0] > 0


def test_a_teacher_over_ssh_is_her_login_and_nobody_else(server):
    mine = ssh(server, "aixinmama", "due", "--date", "2026-11-27")
    head = ssh(server, "banzhuren", "due", "--date", "2026-11-27")
    assert mine.returncode == 0 and head.returncode == 0, mine.stderr + head.stderr
    names = lambda out: {line.split("\t")[0] for line in out.splitlines()}  # noqa: E731
    assert names(mine.stdout) and names(mine.stdout) != names(head.stdout)
    for asked in (["due", "--user", "xiaozhang"], ["guanai --user xiaozhang due"], ["cat", server["db"]],
                  ["sh", "-c", "id"], ["audit"], ["users", "add", "evil", "--name", "坏人", "--role", "admin"]):
        res = ssh(server, "aixinmama", *asked)
        assert res.returncode == 2 and "只能打开关爱" in res.stderr, (asked, res.stdout, res.stderr)
        assert "SQLite" not in res.stdout and "uid=" not in res.stdout
    assert ssh(server, "stranger", "due").returncode == 255  # a key nobody added gets nothing
    # the audit shows the forced login, the SSH client and the service account
    rows = sqlite3.connect(server["db"]).execute(
        "SELECT a.source, a.os_user, a.new FROM audit_log a JOIN staff s ON s.id = a.staff_id "
        "WHERE s.login = 'aixinmama' AND a.action = 'login'").fetchall()
    assert rows and all(r[0] == "127.0.0.1" and r[1] == server["account"] for r in rows)
    assert {json.loads(r[2])["for"] for r in rows} == {"due"}


def test_the_app_over_ssh_in_a_real_terminal(server):
    name = f"ssh-{os.urandom(3).hex()}"
    ssh_cmd = ssh_args(server, "aixinmama")
    cmd = " ".join(["env", "TERM=xterm-256color", ssh_cmd[0], "-t", *ssh_cmd[1:]])
    assert tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", cmd).returncode == 0
    try:
        text = wait_for(name, lambda t: "待办" in t, timeout=40)
        assert "Traceback" not in text
        tmux("send-keys", "-t", name, "q")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and tmux("has-session", "-t", name).returncode == 0:
            time.sleep(0.1)
        assert tmux("has-session", "-t", name).returncode != 0, "the app did not quit on q"
    finally:
        tmux("kill-session", "-t", name)
    logins = sqlite3.connect(server["db"]).execute(
        "SELECT count(*) FROM audit_log a JOIN staff s ON s.id = a.staff_id "
        "WHERE s.login = 'aixinmama' AND a.action = 'login' AND a.new LIKE '%\"guanai\"%'").fetchone()[0]
    assert logins == 1
