"""Who is asking, and what they may see.

Accounts have one role: rep, manager, admin or finance. A rep or manager is linked to a
payee id of one plan; a rep sees that payee's figures only, a manager those of everyone
below them in the plan's hierarchy (direct and indirect reports) and their own; admin
and finance see every payee. Anything else is answered 404, the same as a payee that
does not exist, so guessing ids tells nothing.

Passwords are kept as argon2id hashes (argon2-cffi). A session is a cookie signed with
HMAC-SHA256 (HttpOnly, SameSite=Lax, Secure over HTTPS), carrying the account id, when
it was issued, a CSRF token that every form must send back, a fingerprint of the
password hash (changing a password ends every session of the account), and a random
session id whose hash is kept in the store (portal_sessions): logging out ends it on
the server, so a copied cookie stops working; it also ends after SESSION_IDLE without
a request and SESSION_AGE after login, and a login always starts a new one.
Failed logins are counted per login name and address together, counted before the
password is checked (one atomic step: concurrent tries cannot slip past the count); past
the limit each further try waits twice as long as the one before, so a guesser is slowed
while the real user, from another address, is not locked out. API tokens are random,
shown once, kept as SHA-256 hashes, revocable, and scoped to ingest (optionally to one
plan).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..store import audit
from ..store.models import now
from ..store.portal import ROLES, Account, ApiToken, PortalSession, PortalSetting
from .security import Refused

COOKIE = "compplan_session"
SESSION_AGE = 12 * 3600
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not a password")  # a login for no account costs the same time


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Cookies that cannot be forged or edited without the key."""

    def __init__(self, key: bytes):
        self.key = key

    def sign(self, data: dict) -> str:
        body = _b64(json.dumps(data, separators=(",", ":")).encode())
        mac = hmac.new(self.key, body.encode(), hashlib.sha256).digest()
        return body + "." + _b64(mac)

    def unsign(self, token: str, max_age: int = SESSION_AGE) -> dict | None:
        try:
            body, mac = token.split(".", 1)
            good = hmac.new(self.key, body.encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(good, _unb64(mac)):
                return None
            data = json.loads(_unb64(body))
        except (ValueError, TypeError):  # bad base64, JSON, or shape: not ours
            return None
        if not isinstance(data, dict) or not isinstance(data.get("t"), int):
            return None
        if time.time() - data["t"] > max_age:
            return None
        return data


def session_key(db: Session) -> bytes:
    """The key sessions are signed with: COMPPLAN_SECRET, else one made on first start
    and kept in the store, so that every process serving the store shares it."""
    env = os.environ.get("COMPPLAN_SECRET")
    if env:
        return env.encode()
    row = db.get(PortalSetting, "session_key")
    if row is None:
        db.add(PortalSetting(name="session_key", value=secrets.token_hex(32)))
        try:
            db.commit()
        except IntegrityError:  # another process made it first
            db.rollback()
        row = db.get(PortalSetting, "session_key")
    return row.value.encode()


def fingerprint(account: Account) -> str:
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:16]


def new_session(account: Account | None) -> dict:
    """A visitor's session data (not logged in: only the login form's CSRF token)."""
    data = {"t": int(time.time()), "c": secrets.token_urlsafe(24)}
    if account is not None:
        data.update(a=account.id, p=fingerprint(account))
    return data


SESSION_IDLE = int(os.environ.get("COMPPLAN_SESSION_IDLE", str(30 * 60)))
TOUCH_EVERY = 60  # seconds between writes of a session's last request


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Session, account: Account, previous: dict | None = None) -> dict:
    """Log the account in: a new server-side session (a new id: never the one the
    visitor came with), and the one the visitor had, if any, ended."""
    end_session(db, previous)
    token = secrets.token_urlsafe(32)
    db.add(PortalSession(id=session_id(token), account_id=account.id))
    data = new_session(account)
    data["s"] = token
    return data


def end_session(db: Session, data: dict | None) -> None:
    """Log out: the session ends on the server, so its cookie no longer works."""
    token = (data or {}).get("s")
    if isinstance(token, str):
        row = db.get(PortalSession, session_id(token))
        if row is not None and row.ended_at is None:
            row.ended_at = now()


def _utc(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)  # SQLite: naive UTC


def session_account(db: Session, data: dict | None) -> tuple[Account | None, bool]:
    """The session's account (None: not logged in, or the session ended: logged out,
    idle too long, password changed) and whether its last request should be written
    (see touch_session)."""
    account, _, stale = session_state(db, data)
    return account, stale


def session_state(db: Session, data: dict | None
                  ) -> tuple[Account | None, dt.datetime | None, bool]:
    """session_account's answer with the session's last request as the store has it
    (what web/sessions.py keeps between polls)."""
    if not data or not isinstance(data.get("a"), int) or not isinstance(data.get("s"), str):
        return None, None, False
    row = db.get(PortalSession, session_id(data["s"]))
    at = now()
    if row is None or row.ended_at is not None or row.account_id != data["a"] or \
            (at - _utc(row.last_seen_at)).total_seconds() > SESSION_IDLE:
        return None, None, False
    account = db.get(Account, data["a"])
    if account is None or not account.active or data.get("p") != fingerprint(account):
        return None, None, False
    seen = _utc(row.last_seen_at)
    return account, seen, (at - seen).total_seconds() >= TOUCH_EVERY


def session_rows(db: Session, sids: list[str]) -> dict[str, tuple[PortalSession, Account]]:
    """Sessions by id hash with their accounts, in one query per 500 (what
    web/sessions.py checks again for the pages still polling)."""
    found = {}
    for i in range(0, len(sids), 500):
        q = select(PortalSession, Account).join(
            Account, Account.id == PortalSession.account_id).where(
            PortalSession.id.in_(sids[i:i + 500]))
        for row, account in db.execute(q).all():
            found[row.id] = (row, account)
    return found


def touch_session(db: Session, data: dict) -> None:
    row = db.get(PortalSession, session_id(data["s"]))
    if row is not None and row.ended_at is None:
        row.last_seen_at = now()


def check_csrf(data: dict | None, sent: str | None) -> None:
    good = (data or {}).get("c")
    if not good or not sent or not hmac.compare_digest(str(good), str(sent)):
        raise Refused(403, "this form has expired or did not come from this site",
                      "reload the page and try again")


class LoginLimiter:
    """Failed logins per login name and address together, with a backoff: `free` tries,
    then each further try waits `base` seconds, doubling with each failure (at most
    `cap`). An address that fails `per_address` times within `window` over any logins
    waits too (password spraying). `attempt` checks and counts in one step under a
    lock: a try is counted as failed before the password is checked, and forgotten if it
    succeeds, so concurrent tries cannot all pass a check made before any was counted.
    Kept in the process: a restart forgets, which is acceptable for slowing guessing."""

    def __init__(self, free: int = 5, base: float = 30, cap: float = 900,
                 per_address: int = 50, window: float = 900):
        self.free, self.base, self.cap = free, base, cap
        self.per_address, self.window = per_address, window
        self._pairs: dict[tuple[str, str], tuple[int, float]] = {}  # -> (failures, last)
        self._addresses: dict[str, deque] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _pair(login: str, address: str) -> tuple[str, str]:
        return login.lower()[:100], address

    def _tidy(self, at: float) -> None:
        if len(self._pairs) + len(self._addresses) > 100_000:  # made-up logins
            for key in [k for k, (_, last) in self._pairs.items()
                        if at - last > self.cap]:
                del self._pairs[key]
            for key in [k for k, q in self._addresses.items()
                        if not q or at - q[-1] > self.window]:
                del self._addresses[key]

    def attempt(self, login: str, address: str) -> int:
        """Seconds to wait before trying again (the try is refused), or 0: the try may
        check its password and is counted as failed until `succeeded` says otherwise."""
        at = time.monotonic()
        with self._lock:
            self._tidy(at)
            key = self._pair(login, address)
            fails, last = self._pairs.get(key, (0, 0.0))
            if fails >= self.free:
                delay = min(self.base * 2 ** (fails - self.free), self.cap)
                if at - last < delay:
                    return int(delay - (at - last)) + 1
            q = self._addresses.setdefault(address, deque())
            while q and at - q[0] > self.window:
                q.popleft()
            if len(q) >= self.per_address:
                return int(self.window - (at - q[0])) + 1
            self._pairs[key] = (fails + 1, at)
            q.append(at)
            return 0

    def succeeded(self, login: str, address: str) -> None:
        """The try's password was right: it was no failure."""
        with self._lock:
            self._pairs.pop(self._pair(login, address), None)
            q = self._addresses.get(address)
            if q:
                q.pop()


def authenticate(db: Session, login: str, password: str) -> Account | None:
    account = db.execute(select(Account).where(Account.login == login)).scalar_one_or_none()
    if account is None or not account.active:
        verify_password(_DUMMY, password)
        return None
    return account if verify_password(account.password_hash, password) else None


# ------------------------------------------------------------------ accounts and tokens

def create_account(db: Session, login: str, role: str, password: str, payee: str | None,
                   name: str = "", actor: str = "setup", plan: str | None = None) -> Account:
    """A new account; a rep or manager is the payee `payee` of plan `plan` (payee ids
    are a plan's own: `ann` of one plan is not `ann` of another)."""
    if role not in ROLES:
        raise Refused(400, f"'{role}' is not a role", "one of: " + ", ".join(ROLES))
    if role in ("rep", "manager") and not (payee and plan):
        raise Refused(400, f"a {role} account needs the plan and the payee id in it that "
                      "it belongs to", "--plan PLAN --payee ID")
    if not login.strip() or len(password) < 8:
        raise Refused(400, "a login needs a name and a password of 8 characters or more")
    if db.execute(select(Account).where(Account.login == login)).scalar_one_or_none():
        raise Refused(409, f"there is already an account '{login}'")
    staff = role in ("admin", "finance")
    account = Account(login=login, name=name or login, role=role,
                      payee=None if staff else payee, plan_id=None if staff else plan,
                      password_hash=hash_password(password))
    db.add(account)
    db.flush()
    audit.append(db, actor, "account.created", f"account {login}", role=role,
                 payee=account.payee, plan=account.plan_id)
    return account


TOKEN_PREFIX = "cpt_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: Session, name: str, actor: str, plan_id: str | None = None
                 ) -> tuple[ApiToken, str]:
    """A new ingest token; the token itself is returned once and never kept."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=token_hash(plain), scope="ingest", plan_id=plan_id,
                   created_by=actor)
    db.add(row)
    db.flush()
    audit.append(db, actor, "token.created", f"token {row.id}", name=name, scope="ingest",
                 plan=plan_id)
    return row, plain


def revoke_token(db: Session, token_id: int, actor: str) -> ApiToken:
    row = db.get(ApiToken, token_id)
    if row is None:
        raise Refused(404, f"there is no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by = now(), actor
        audit.append(db, actor, "token.revoked", f"token {row.id}", name=row.name)
    return row


def token_for(db: Session, header: str | None, plan_id: str) -> ApiToken:
    """The token a request carries (Authorization: Bearer ...), if it may ingest into
    the plan; else Refused 401 (none, unknown or revoked) or 403 (another scope)."""
    if not header or not header.startswith("Bearer "):
        raise Refused(401, "send an API token: Authorization: Bearer <token>",
                      "create one with: compplan tokens create NAME")
    plain = header[len("Bearer "):].strip()
    row = db.execute(select(ApiToken).where(ApiToken.token_hash == token_hash(plain))
                     ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        raise Refused(401, "this API token is unknown or revoked")
    if row.scope != "ingest" or (row.plan_id and row.plan_id != plan_id):
        raise Refused(403, f"this API token may not ingest into plan '{plan_id}'")
    return row


# ------------------------------------------------------------------ who sees what

def sees_all(account: Account) -> bool:
    return account.role in ("admin", "finance")


def own_payee(account: Account, plan_id: str) -> str | None:
    """The account's payee id in this plan (None: it is no payee of the plan)."""
    return account.payee if account.payee and account.plan_id == plan_id else None


def may_see(account: Account, plan_id: str, payee: str, managers: dict[str, str]) -> bool:
    """Whether the account may see this payee of this plan, given the plan's hierarchy
    (payee -> manager)."""
    if sees_all(account):
        return True
    mine = own_payee(account, plan_id)
    if not mine:
        return False
    if payee == mine:
        return True
    if account.role != "manager":
        return False
    seen, m = set(), managers.get(payee)
    while m and m not in seen:
        if m == mine:
            return True
        seen.add(m)
        m = managers.get(m)
    return False


@dataclass
class Visitor:
    """The request's account (None: not logged in) and its session data."""

    account: Account | None
    session: dict | None


def page_context(request) -> dict:
    visitor = getattr(request.state, "visitor", None)
    data = visitor.session if visitor else None
    return {"account": visitor.account if visitor else None,
            "csrf": (data or {}).get("c", "")}
