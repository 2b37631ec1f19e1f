"""PINs: stored as scrypt hashes with a random salt; five wrong PINs lock the login for 15 minutes.

A PIN is 4 to 12 digits (typed on any terminal, no shift keys). The stored form is
``scrypt$N$r$p$<salt hex>$<hash hex>``, so the cost can be raised later without a
migration: ``check_pin`` reads the parameters from the stored value. Comparison is
constant-time (``hmac.compare_digest``).

``verify`` is the one place a PIN is checked: it counts failures in the ``staff`` row
inside a write transaction (two terminals guessing at once cannot get more than five
tries), locks the login after ``MAX_FAILED`` wrong PINs, and writes an audit row for every
attempt, right or wrong, with the SSH client address. Every time is an argument
(``now=``), so tests inject the clock. No textual here.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os

from models import audit
from models import db as dbmod
from models.entities import Staff
from models.errors import UserError

PIN_MIN, PIN_MAX = 4, 12
MAX_FAILED = 5
LOCK_MINUTES = 15
SCRYPT_N, SCRYPT_R, SCRYPT_P, DKLEN = 2 ** 14, 8, 1, 32  # ~16 MB and ~70 ms on a 2-core PC
SALT_BYTES = 16


class AuthError(UserError):
    """Login refused; the message is for the user (never says whether the login exists)."""


class WrongPin(AuthError):
    def __init__(self, message: str, remaining: int) -> None:
        super().__init__(message)
        self.remaining = remaining


class LockedOut(AuthError):
    def __init__(self, message: str, until: dt.datetime) -> None:
        super().__init__(message)
        self.until = until


class PinError(UserError, ValueError):
    """A PIN that cannot be set (too short, not digits); the message is for the user."""


def validate_pin(pin: str) -> str:
    pin = (pin or "").strip()
    if not pin:
        raise PinError("请输入 PIN")
    if not (pin.isascii() and pin.isdigit()):
        raise PinError("PIN 只能是数字")
    if not PIN_MIN <= len(pin) <= PIN_MAX:
        raise PinError(f"PIN 应为 {PIN_MIN} 到 {PIN_MAX} 位数字")
    if len(set(pin)) == 1:
        raise PinError("PIN 不能全是同一个数字")
    return pin


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=DKLEN)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_pin(stored: str, pin: str) -> bool:
    """True when ``pin`` matches the stored hash; False for any malformed stored value."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = (stored or "").split("$")
        if scheme != "scrypt":
            return False
        n, r, p = int(n), int(r), int(p)
        if n > 2 ** 20 or r > 32 or p > 16:
            return False
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
        got = hashlib.scrypt((pin or "").encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected),
                             maxmem=256 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now()).replace(microsecond=0)


def locked_until(staff: Staff, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the login opens again, or None when it is open."""
    until = staff.locked_until
    if isinstance(until, str):
        until = dt.datetime.fromisoformat(until)
    if until is not None and _now(now) < until:
        return until
    return None


def _fresh(staff_id: int) -> Staff:
    q = Staff.select().where(Staff.id == staff_id)
    if getattr(dbmod.current(), "for_update", False):
        q = q.for_update()  # PostgreSQL: two terminals guessing wait for each other
    return q.get()


def verify(staff_id: int, pin: str | None, *, now: dt.datetime | None = None, source: str | None = None,
           context: str = "") -> Staff:
    """Log ``staff_id`` in with ``pin`` (ignored when the staff member has none); return the row.

    Raises ``LockedOut`` while locked and ``WrongPin`` for a wrong PIN (the fifth in a row locks
    the login for ``LOCK_MINUTES``). Every attempt leaves an audit row: ``login`` or ``login_fail``
    (or ``locked`` when the attempt came while locked). ``context`` says what the login was for
    (``tui``, ``users add`` …).
    """
    now = _now(now)
    failure: AuthError | None = None
    with dbmod.write():
        staff = _fresh(staff_id)
        if not staff.active:
            failure = AuthError(f"教职工 {staff.login} 已停用")
            audit.record(audit.LOGIN_FAILED, "staff", staff.id, staff_id=staff.id, at=now, source=source,
                         new={"reason": "inactive", "for": context})
        elif (until := locked_until(staff, now=now)) is not None:
            failure = LockedOut(f"PIN 连续输错 {MAX_FAILED} 次, 已锁定到 {until:%H:%M}; "
                                "请稍后再试, 或请管理员重置 PIN", until)
            audit.record(audit.LOCKED, "staff", staff.id, staff_id=staff.id, at=now, source=source,
                         new={"locked_until": until, "for": context})
        else:
            # A lock that has run out gives a fresh start of MAX_FAILED tries.
            before = 0 if staff.locked_until is not None else staff.failed_pins
            if not staff.pin_hash or check_pin(staff.pin_hash, pin or ""):
                had = before
                if staff.failed_pins or staff.locked_until is not None:
                    Staff.update(failed_pins=0, locked_until=None).where(Staff.id == staff.id).execute()
                    staff.failed_pins, staff.locked_until = 0, None
                detail = {"pin": bool(staff.pin_hash), "for": context}
                if had:
                    detail["failed_before"] = had
                audit.record(audit.LOGIN, "staff", staff.id, staff_id=staff.id, at=now, source=source, new=detail)
            else:
                failed = before + 1
                until = now + dt.timedelta(minutes=LOCK_MINUTES) if failed >= MAX_FAILED else None
                Staff.update(failed_pins=failed, locked_until=until).where(Staff.id == staff.id).execute()
                detail = {"reason": "wrong_pin", "failed": failed, "for": context}
                if until is not None:
                    detail["locked_until"] = until
                    failure = LockedOut(f"PIN 连续输错 {MAX_FAILED} 次, 已锁定到 {until:%H:%M}; "
                                        "请稍后再试, 或请管理员重置 PIN", until)
                else:
                    remaining = MAX_FAILED - failed
                    failure = WrongPin(f"PIN 不对 (再错 {remaining} 次将锁定 {LOCK_MINUTES} 分钟)", remaining)
                audit.record(audit.LOGIN_FAILED, "staff", staff.id, staff_id=staff.id, at=now, source=source,
                             new=detail)
    if failure is not None:  # raised after the commit: the count and the audit row stay
        raise failure
    return staff


def record_unknown_login(login: str, *, now: dt.datetime | None = None, source: str | None = None,
                         context: str = "") -> None:
    """A login name that matches no active staff member: logged with the name typed."""
    with dbmod.write():
        audit.record(audit.LOGIN_FAILED, "staff", 0, staff_id=None, at=_now(now), source=source,
                     new={"reason": "unknown_login", "login": (login or "")[:50], "for": context})


def set_pin(staff_id: int, pin: str | None, *, by_staff_id: int | None, now: dt.datetime | None = None) -> None:
    """Set (or with ``None`` remove) a PIN; clears a lockout. The audit row never holds the PIN."""
    hashed = hash_pin(validate_pin(pin)) if pin is not None else ""
    with dbmod.write():
        n = Staff.update(pin_hash=hashed, failed_pins=0, locked_until=None).where(Staff.id == staff_id).execute()
        if not n:
            raise PinError("没有这位教职工")
        audit.record("pin", "staff", staff_id, staff_id=by_staff_id, at=_now(now),
                     new={"pin": "已设置" if hashed else "已清除"})


def unlock(staff_id: int, *, by_staff_id: int | None, now: dt.datetime | None = None) -> None:
    """Lift a lockout (and the count of wrong PINs) without touching the PIN; audited. ``by_staff_id``
    None: the database file's OS owner did it (``guanai users unlock``), which the row's OS account shows."""
    with dbmod.write():
        staff = _fresh(staff_id)
        Staff.update(failed_pins=0, locked_until=None).where(Staff.id == staff_id).execute()
        audit.record("update", "staff", staff_id, staff_id=by_staff_id, at=_now(now),
                     old={"failed_pins": staff.failed_pins, "locked_until": staff.locked_until},
                     new={"failed_pins": 0, "locked_until": None})
