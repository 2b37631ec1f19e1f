"""Where an action comes from: the SSH client's address and the OS account of this process.

A leaf module (standard library only): ``AuditLog``'s column defaults in ``models/entities.py``
and ``models/audit.py`` both call it, so neither has to import the other to fill a row.
No textual here.
"""
from __future__ import annotations

import os

LOCAL = "local"


def client_source(environ: dict | None = None) -> str:
    """The SSH client's address when this process runs in an SSH session, else ``local``.

    OpenSSH sets ``SSH_CLIENT="10.0.0.5 52144 22"`` and ``SSH_CONNECTION="10.0.0.5 52144 10.0.0.1 22"``.
    Only an address-looking first word is kept (the variables are the user's to change).
    """
    import ipaddress

    env = os.environ if environ is None else environ
    for var in ("SSH_CLIENT", "SSH_CONNECTION"):
        words = (env.get(var) or "").split()
        if not words or len(words[0]) > 64:
            continue
        address, _, zone = words[0].partition("%")
        try:
            ipaddress.ip_address(address)
        except ValueError:
            continue
        if zone and not zone.replace("-", "").replace(".", "").isalnum():
            continue
        return words[0]
    return LOCAL


def os_name() -> str:
    """The OS account this process runs as, from the kernel's user id: ``$USER`` and ``$LOGNAME``
    (which ``getpass.getuser`` reads first) are the user's to change."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, AttributeError):  # Windows, or a uid without a name
        import getpass

        try:
            return getpass.getuser()
        except Exception:  # noqa: BLE001 - no name at all: the id is still something
            return str(getattr(os, "geteuid", lambda: "?")())


def os_account(environ: dict | None = None) -> str:
    """``os_name()``, and ``sudo:NAME`` when sudo started the process; at most 64 characters."""
    env = os.environ if environ is None else environ
    name = os_name()
    sudo = (env.get("SUDO_USER") or "").strip()
    if sudo and sudo != name and sudo.isprintable():
        name = f"{name} sudo:{sudo}"
    return name[:64]
