"""Disputes: a rep questions one line of a statement, and gets an answer.

    open -> answered -> resolved (accepted | rejected)

A rep opens a dispute on a line of their own statement, with a comment. Admin or
finance answers it, then resolves it: rejected, or accepted with the amount to pay (or
recover, negative). An accepted dispute is paid once, as a 'dispute' line of the next
run saved for the plan (store/carry.py). Every step is an audit entry, in the same
transaction as the change. Refusals are `Refused` with a sentence saying why.
"""
from __future__ import annotations

import json
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..render.locale import Fmt, shared
from ..store import audit
from ..store.lifecycle import line_key
from ..store.models import LineItem, Run, now
from ..store.portal import Account, Dispute
from .security import Refused, Word

MAX_TEXT = 4000


def _text(value: str | None, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Refused(400, "write {what}", params={"what": Word(what)})
    if len(value) > MAX_TEXT:
        raise Refused(400, "{what} is too long ({count} characters; at most {most})",
                      params={"what": Word(what), "count": len(value), "most": MAX_TEXT})
    return value


def open_dispute(db: Session, account: Account, run_id: int, payee: str, number: int,
                 comment: str) -> Dispute:
    """A rep's question about line `number` of their statement in run `run_id`."""
    run = db.get(Run, run_id)
    if account.role != "rep" or account.payee != payee or \
            (run is not None and account.plan_id != run.plan_id):
        raise Refused(403, "only the rep whose statement it is can dispute its lines")
    line = db.get(LineItem, (run_id, payee, number)) if run else None
    if run is None or line is None or run.status == "replaced":
        raise Refused(404, "there is no line {line} on your statement in run {run}",
                      params={"line": number, "run": run_id})
    comment = _text(comment, Word("what is wrong with the line"))
    taken = db.execute(select(Dispute).where(
        Dispute.run_id == run_id, Dispute.payee == payee, Dispute.line_number == number,
        Dispute.status != "resolved")).scalar_one_or_none()
    if taken is not None:
        raise Refused(409, "this line is already disputed (dispute {id}, {status})",
                      params={"id": taken.id, "status": Word(taken.status)})
    d = Dispute(run_id=run_id, plan_id=run.plan_id, period=run.period, payee=payee,
                line_number=number, line_key=line.key or line_key(line.component, [], line.kind),
                line_amount=line.amount, line_summary=line_summary(line),
                comment=comment, status="open", opened_by=account.login)
    db.add(d)
    db.flush()
    audit.append(db, account.login, "dispute.opened", f"dispute {d.id}", run=run_id,
                 payee=payee, line=number, amount=str(line.amount), comment=comment)
    return d


def line_summary(line: LineItem) -> str:
    """What the dispute keeps of its line, as the line was when it was filed: values,
    not words (the component, the engine's formula, the source rows), so each reader
    is shown it in their own words (words.summary_words). Rows filed before this was
    kept as values hold English text ("commission: 10,000.00 x 2% (deals.csv:3)")."""
    return json.dumps({"component": line.component, "formula": line.formula,
                       "sources": json.loads(line.sources)}, ensure_ascii=False)


def _staff(account: Account) -> None:
    if account.role not in ("admin", "finance"):
        raise Refused(403, "disputes are answered and resolved by admin or finance")


def _get(db: Session, dispute_id: int) -> Dispute:
    d = db.get(Dispute, dispute_id)
    if d is None:
        raise Refused(404, "there is no dispute {id}", params={"id": dispute_id})
    return d


def answer(db: Session, account: Account, dispute_id: int, text: str) -> Dispute:
    _staff(account)
    d = _get(db, dispute_id)
    if d.status != "open":
        raise Refused(409, "dispute {id} is {status}; only an open dispute is answered",
                      params={"id": d.id, "status": Word(d.status)})
    d.answer = _text(text, Word("the answer"))
    d.status, d.answered_by, d.answered_at = "answered", account.login, now()
    audit.append(db, account.login, "dispute.answered", f"dispute {d.id}", answer=d.answer)
    return d


_SPACES = (" ", "\u00a0", "\u202f")  # a space, no-break and narrow no-break spaces
_MINUS = ("-", "\u2212")


def parse_amount(text: str | None, locale: str = "en") -> Decimal:
    """An adjustment as a person writes it in their locale: 250, 250.00, -1,200.50 (en);
    -1.200,50 (de); 1 200,50 (fr). Thousands must be grouped by three: a text that two
    readings could give (`1,50` in en: 1.50 or 150?, `1,2,3`) is refused with a
    sentence rather than guessed, and so is anything but digits and the locale's signs
    (no exponents, no currency words). At most two decimals (cents)."""
    loc = Locale.parse(locale)
    point, group = get_decimal_symbol(loc), get_group_symbol(loc)
    example = f"{format_decimal(Decimal('-1234.50'), '#,##0.00', locale=loc)}"
    hint = f"write it as {example} ({loc.get_display_name('en')})"
    raw = (text or "").strip()
    body = raw[1:].strip() if raw[:1] in _MINUS + ("+",) else raw
    groups = _SPACES if group in _SPACES else (group,)
    if not body or not all(c.isdigit() and c.isascii() or c == point or c in groups
                           for c in body):
        raise Refused(400, f"'{text}' is not an amount", hint)
    whole, _, cents = body.partition(point)
    if point in cents or any(g in cents for g in groups):
        raise Refused(400, _ambiguous(text, point, group, loc), hint)
    if any(g in whole for g in groups):
        parts = whole
        for g in groups:
            parts = parts.replace(g, "\0")
        parts = parts.split("\0")
        if not (1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])):
            raise Refused(400, _ambiguous(text, point, group, loc), hint)
        whole = "".join(parts)
    if not whole and not cents:
        raise Refused(400, f"'{text}' is not an amount", hint)
    if len(cents) > 2:
        raise Refused(400, f"'{text}' has more than two decimals", "an adjustment is paid in "
                      "cents: " + hint)
    value = Decimal((whole or "0") + "." + (cents or "0"))
    if raw[:1] in _MINUS:
        value = -value
    if value == 0 or abs(value) >= Decimal("1e12"):
        raise Refused(400, f"'{text}' is not an amount to pay",
                      "a non-zero amount, less than a trillion: " + hint)
    return value.quantize(Decimal("0.01"))


def _ambiguous(text, point: str, group: str, loc) -> str:
    shown = "a space" if group in _SPACES else f"'{group}'"
    return (f"'{text}' cannot be read for sure: in {loc.get_display_name('en')} {shown} "
            f"separates thousands in groups of three and '{point}' marks the decimals")


def user_locale(accept_language: str | None) -> str:
    """The first language of the browser's Accept-Language that Babel knows (en-GB,
    de;q=0.8 -> en_GB), or en."""
    tags = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        if tag and tag != "*" and weight > 0:
            tags.append((-weight, i, tag.strip()))
    for _, _, tag in sorted(tags):
        try:
            return str(Locale.parse(tag.replace("-", "_")))
        except (ValueError, TypeError, UnknownLocaleError):
            continue
    return "en"


def resolve(db: Session, account: Account, dispute_id: int, outcome: str, reason: str,
            amount: str | None = None, locale: str = "en") -> Dispute:
    """Close an answered dispute. Accepted: `amount` (as written in `locale`) is paid
    (or, negative, recovered) by the next saved run of the plan."""
    _staff(account)
    d = _get(db, dispute_id)
    if d.status != "answered":
        raise Refused(409, "dispute {id} is open; answer it before resolving it"
                      if d.status == "open" else "dispute {id} is already resolved",
                      params={"id": d.id})
    if outcome not in ("accepted", "rejected"):
        raise Refused(400, "a dispute is resolved as accepted or rejected")
    d.resolution = _text(reason, Word("the reason"))
    d.amount = parse_amount(amount, locale) if outcome == "accepted" else None
    d.status, d.outcome, d.resolved_by, d.resolved_at = "resolved", outcome, account.login, now()
    audit.append(db, account.login, "dispute.resolved", f"dispute {d.id}", outcome=outcome,
                 amount=None if d.amount is None else str(d.amount), reason=d.resolution)
    return d


def describe(d: Dispute, f: Fmt | None = None) -> str:
    """A dispute's status in the reader's words (English without a Fmt); an accepted
    one's amount in their number format, as the statement's lines write amounts."""
    f = f or shared("en", "USD")
    if d.status != "resolved":
        return f._(d.status)
    if d.outcome == "accepted":
        return f._("accepted: {amount} in the next run", amount=f.amount(d.amount))
    return f._("rejected")
