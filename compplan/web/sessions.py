"""Sessions the portal has checked against the store lately, kept in its memory, so that
a poll of live figures is answered without the database (issue 15).

Why: 200 clients' pages poll every 2 s. Each poll looked its session up in the store
(the session row, then the account): two queries, each giving the interpreter lock up
and waiting for it again behind every thread rendering a page, so the poll after an
ingest's reply waited about 2 s in line. A poll now asks this cache first.

What still holds:
- A session ended in this process (logout; a login, which ends the one the browser
  came with) is forgotten at once and can never be put back (`end`): the next poll with
  its cookie goes to the store, which refuses it.
- A session ended elsewhere (another process serving the same store, an account changed
  by the command line) is seen within `ttl` seconds: an entry is trusted that long after
  the store was last asked, then asked again.
- The idle limit counts from the last request this process saw; when the store's clock
  of the session is due to be written again (auth.TOUCH_EVERY), the request goes the
  slow way, which writes it.
- The cookie's own checks (signature, age, the password's fingerprint) are made on
  every request, before the cache is asked.
- Sessions in use (asked for within `ACTIVE` seconds) are checked against the store
  again in one query every few seconds (`active`, then `rechecked`: web/app.py), so that
  a page that keeps polling stays known. Before, an entry lapsed `ttl` seconds after its
  last slow request, and the polls of 50 reps logged in over 24 s all went the slow way
  at once: bench_portal's first batch under 200 clients then waited 1.3 s in line
  behind 74 such polls on the poll lane's 8 threads (firstbatch, 1 December 2026).
  What such a check finds ended, idle, or of a changed account is forgotten, as within
  `ttl` before.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from .auth import SESSION_AGE, SESSION_IDLE, TOUCH_EVERY, fingerprint, session_id

ACTIVE = 60.0  # seconds: a session asked for within this long is checked again in bulk


@dataclass(frozen=True)
class KnownAccount:
    """What a poll needs of an account (auth.may_see reads role, payee and plan_id)."""

    id: int
    login: str
    name: str
    role: str
    payee: str | None
    plan_id: str | None
    active: bool
    fingerprint: str

    @classmethod
    def of(cls, account, fingerprint: str) -> KnownAccount:
        return cls(account.id, account.login, account.name, account.role, account.payee,
                   account.plan_id, bool(account.active), fingerprint)


class SessionCache:
    """session id hash -> [account, when the store was asked, the session's last
    request as the store had it (wall clock), when this process was last asked for it]."""

    def __init__(self, ttl: float = 5.0, size: int = 20000):
        self.ttl, self.size = ttl, size
        self._known: OrderedDict[str, list] = OrderedDict()
        self._ended: dict[str, float] = {}  # sid -> when: never put back
        self._lock = threading.Lock()

    def account(self, data: dict | None) -> KnownAccount | None:
        """The account of a signed session's data (signature and age already checked by
        the Signer) if this process checked it against the store within `ttl` seconds
        and nothing since says otherwise; None: ask the store."""
        if not data or not isinstance(data.get("s"), str) or not isinstance(data.get("a"), int):
            return None
        sid = session_id(data["s"])
        with self._lock:
            got = self._known.get(sid)
            if got is not None:
                got[3] = time.monotonic()
        if got is None:
            return None
        account, checked, last_seen, _ = got
        wall = time.time()
        if time.monotonic() - checked > self.ttl or wall - last_seen >= TOUCH_EVERY \
                or wall - last_seen > SESSION_IDLE:
            return None
        if account.id != data["a"] or data.get("p") != account.fingerprint \
                or not account.active:
            return None
        return account

    def seen(self, data: dict, account, fingerprint: str, last_seen: float) -> None:
        """The store said this session is good (its last request at `last_seen`, wall
        clock seconds): remember it, unless it has ended in this process meanwhile."""
        sid = session_id(data["s"])
        known = KnownAccount.of(account, fingerprint)
        with self._lock:
            if sid in self._ended:
                return
            at = time.monotonic()
            self._known[sid] = [known, at, last_seen, at]
            self._known.move_to_end(sid)
            while len(self._known) > self.size:
                self._known.popitem(last=False)

    def end(self, data: dict | None) -> None:
        """The session ended (logout, a new login): forgotten now and for good."""
        token = (data or {}).get("s")
        if not isinstance(token, str):
            return
        sid = session_id(token)
        at = time.time()
        with self._lock:
            self._known.pop(sid, None)
            self._ended[sid] = at
            if len(self._ended) > self.size:  # a cookie older than SESSION_AGE is refused anyway
                for key in [k for k, t in self._ended.items() if at - t > SESSION_AGE]:
                    del self._ended[key]

    def active(self, within: float = ACTIVE) -> dict[str, KnownAccount]:
        """The sessions asked for within `within` seconds: those to check again."""
        at = time.monotonic()
        with self._lock:
            return {sid: e[0] for sid, e in self._known.items() if at - e[3] <= within}

    def rechecked(self, asked: dict[str, KnownAccount], found: dict, since: float) -> None:
        """The store's answer for the sessions `active` gave (asked at `since`,
        monotonic): sid -> (session row, account) for those it holds. An entry whose
        session is still good (not ended, not idle, the same account, active, with the
        same password) counts as checked at `since`; any other is forgotten (its next
        request asks the store, which refuses it)."""
        wall = time.time()
        with self._lock:
            for sid in asked:
                entry = self._known.get(sid)
                if entry is None:  # ended or dropped meanwhile: stays so
                    continue
                row, account = found.get(sid, (None, None))
                known = entry[0]
                if row is None or account is None or row.ended_at is not None or \
                        row.account_id != known.id or not account.active or \
                        fingerprint(account) != known.fingerprint or \
                        wall - _wall(row.last_seen_at) > SESSION_IDLE:
                    del self._known[sid]
                    continue
                entry[0] = KnownAccount.of(account, known.fingerprint)
                entry[1] = max(entry[1], since)
                entry[2] = max(entry[2], _wall(row.last_seen_at))


def _wall(at) -> float:
    """A stored time as wall clock seconds (SQLite gives it back naive, in UTC)."""
    return (at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)).timestamp()
