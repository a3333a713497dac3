"""The portal in the reader's language and number format (issue 15).

A page about one payee is written in that payee's locale (the payees table's `locale`
column, else the plan's `locale:`, else English), from the same gettext catalogs and the
same Babel formats as their statements (compplan/render/locale.py): one money format on
a page, and the words of a statement and of the portal never disagree. Pages that are
not about one payee (finance, a manager's team) use the plan's locale.

`parse_money` reads an amount as a person types it in their locale: `$20,000`,
`20 000,00 zł`, `20.000,00` (pl) all read as 20000.
"""
from __future__ import annotations

import ast as pyast
import csv
import io
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path

from babel.numbers import get_currency_symbol, get_decimal_symbol

from ..render.locale import SHIPPED, Fmt, resolve, shared
from .live import LivePlan, Portal

ENGLISH = "en"


def places_of(lp: LivePlan) -> int | None:
    """The decimals the plan rounds pay to (0.01 -> 2), None for the currency's."""
    step = lp.compiled.plan.rounding.to
    if step is None:
        return None
    return max(0, -step.normalize().as_tuple().exponent)


def locale_of(lp: LivePlan, pid: str | None = None) -> str:
    plan_code, _ = resolve(lp.compiled.plan.locale)
    if pid is None:
        return plan_code
    row = lp.run.prep.payees.get(pid) or {}
    code, _ = resolve(row.get("locale") or file_locales(lp).get(pid), plan_code)
    return code


def file_locales(lp: LivePlan) -> dict[str, str]:
    """Each payee's `locale` from the payees file kept with the open period (a plan need
    not declare the column for statements to read it, render/rows.py), read once."""
    got = lp.estimator_choices.get(("locale",))
    if got is None:
        got = {}
        payees = lp.compiled.plan.inputs.get("payees")
        for name, data in lp.forecast_files.items():
            if Path(name).stem != "payees" and not (payees and payees.file == name):
                continue
            if not name.lower().endswith(".csv"):
                continue
            reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig", "replace")))
            key = payees.key if payees is not None and payees.key else "payee"
            for row in reader:
                if row.get(key) and (row.get("locale") or "").strip():
                    got[row[key]] = row["locale"].strip()
        lp.estimator_choices[("locale",)] = got
    return got


def fmt_for(lp: LivePlan, pid: str | None = None) -> Fmt:
    """Formatting and words for a page about `pid` (or the plan, without one)."""
    result = lp.run.payee(pid) if pid is not None else None
    currency = (result.currency if result is not None and result.currency
                else lp.compiled.plan.currency)
    return Fmt(locale_of(lp, pid), currency, places_of(lp))


def account_fmt(portal: Portal, account) -> Fmt | None:
    """The words a rep or manager reads the portal's own frame in (menu, skip link,
    headings of pages about no one payee, errors): their payee's locale in their plan,
    as their statements. None for admin and finance, who have no payee row: they read
    a plan in the plan's locale (the page's own Fmt) and the rest in English."""
    if account is None or not account.payee or account.role not in ("rep", "manager"):
        return None
    lp = portal.plans.get(account.plan_id or "")
    if lp is None or account.payee not in lp.run.results:
        return None
    return fmt_for(lp, account.payee)


def browser_language(accept_language: str | None) -> str | None:
    """The first language of the browser's Accept-Language the catalogs ship (vi-VN,
    pl;q=0.9 -> vi; en-US -> en), None where it asks for none of them."""
    tags = []
    for i, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        language = tag.strip().replace("_", "-").split("-")[0].lower()
        if language in SHIPPED and weight > 0:
            tags.append((-weight, i, language))
    return min(tags)[2] if tags else None


def browser_fmt(accept_language: str | None) -> Fmt:
    """Before anyone logs in (the login page, its errors) the portal knows no payee:
    the browser's language (browser_language), else English."""
    return shared(browser_language(accept_language) or ENGLISH, "USD")


def own_words(portal: Portal, account, lp: LivePlan, accept_language: str | None) -> Fmt:
    """A rep's or manager's own words and number format on a page about several payees
    of `lp` (a target round's report, a manager's round page): their payee's locale
    where the plan has a row for them; else (a manager who is not paid on the plan, as
    the field sample's mia) the browser's language where it asks for one the catalogs
    ship; else the plan's. Amounts in the plan's currency."""
    pid = account.payee if account is not None and account.plan_id == lp.plan_id else None
    if pid and (pid in lp.run.prep.payees or pid in file_locales(lp)):
        code = locale_of(lp, pid)
    else:
        code = browser_language(accept_language) or locale_of(lp)
    return shared(code, lp.compiled.plan.currency, places_of(lp))


def chrome_fmt(portal: Portal, account, page_fmt: Fmt | None, accept_language: str | None
               ) -> Fmt:
    """The frame's words for this reader: a rep's or manager's own locale; else the
    page's (a plan read by finance in the plan's locale); else admin and finance read
    English; else (a visitor, or a manager with no payee row) the browser's
    language."""
    own = account_fmt(portal, account)
    if own is not None:
        return own
    if page_fmt is not None:
        return page_fmt
    if account is not None and account.role not in ("rep", "manager"):
        return shared(ENGLISH, "USD")
    return browser_fmt(accept_language)


def payee_fmt(portal: Portal, plan_id: str, pid: str | None = None) -> Fmt:
    """A page about payee `pid` of a plan (a dispute, a run's row) in their locale, or
    the plan's without one; English for a plan no longer open."""
    lp = portal.plans.get(plan_id)
    if lp is None:
        return shared(ENGLISH, "USD")
    return fmt_for(lp, pid if pid in lp.run.results else None)


def when(f: Fmt, moment) -> str:
    """A moment as a page shows it: the locale's date and the 24-hour time (2 thg 3,
    2026 14:05)."""
    return f"{f.date(moment)} {moment:%H:%M}" if moment is not None else ""


_BEFORE_RUN = re.compile(r"^run (\d+), (\w[\w ]*)$")
_BEFORE_ACCRUAL = re.compile(r"^accrual (\d+) as of (\d{4}-\d{2}-\d{2})$")


def before_words(stored: str, f: Fmt) -> str:
    """An accrual's `before_from` in the reader's words. The store keeps it as English
    text (finance/ledger.booked_before: "run 3, draft", "accrual 2 as of 2026-01-31",
    "nothing booked before"), and rows already stored stay as they are: the values are
    read back out of the text and said late, in the reader's language; a text of
    another shape is shown as stored."""
    m = _BEFORE_RUN.match(stored or "")
    if m:
        return f._("run {id}, {status}", id=m.group(1), status=f._(m.group(2)))
    m = _BEFORE_ACCRUAL.match(stored or "")
    if m:
        return f._("accrual {id} as of {day}", id=m.group(1), day=f.date(m.group(2)))
    return f._(stored)


def summary_words(stored: str, f: Fmt, lp: LivePlan | None) -> str:
    """A dispute's line as kept at filing (disputes.line_summary: component, formula
    and source rows as values) in the reader's words: the component by the plan's
    label in their language (as their statement names it, while the plan is open),
    the formula with its names by their labels and its numbers in their locale
    (10.000,00 × 2%), the source rows as they are. A row filed before values were
    kept holds English text: it is shown as stored."""
    import json
    try:
        kept = json.loads(stored)
    except ValueError:
        return stored
    if not isinstance(kept, dict) or "component" not in kept:
        return stored
    component, formula = str(kept["component"]), str(kept.get("formula") or "")
    label = component
    if lp is not None:
        from ..render.statement import CARRIED_LABELS, reader_formula, text_of
        for e in lp.compiled.earnings:
            if e.name == component:
                label = text_of(e.spec.label, f.code) or e.label
        label = CARRIED_LABELS.get(component, label)
        formula = reader_formula(lp.compiled, formula, f.code)
    text = f"{f._(label)}: {f.formula(formula)}"
    sources = kept.get("sources") or []
    return text + (f" ({' '.join(map(str, sources))})" if sources else "")


class NotAnAmount(ValueError):
    """Text that does not read as an amount; the message says what was expected."""


_ALLOWED = re.compile(r"^-?[0-9.,]+$")
_GROUPED = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")


def parse_money(text: str, f: Fmt) -> Decimal:
    """An amount as typed: currency signs, letters and spaces (a group separator in pl,
    vi and ms) dropped; of '.' and ',', the last one is the decimal point when both are
    there; one alone is the locale's decimal point unless it groups thousands
    (20,000 or 20.000: three digits after each)."""
    raw = (text or "").strip()
    cleaned = raw.replace("\u2212", "-")
    for sign in sorted({get_currency_symbol(f.currency, locale=f.locale), f.currency},
                       key=len, reverse=True):
        cleaned = cleaned.replace(sign, "")
    cleaned = "".join(c for c in cleaned if not c.isspace()
                      and unicodedata.category(c) != "Sc")
    if not _ALLOWED.match(cleaned):
        raise NotAnAmount(f"'{raw[:40]}' is not an amount")
    negative = cleaned.startswith("-")
    digits = cleaned.lstrip("-")
    if not digits or "-" in digits or not any(c.isdigit() for c in digits):
        raise NotAnAmount(f"'{raw[:40]}' is not an amount")
    decimal = get_decimal_symbol(f.locale)
    marks = [c for c in digits if c in ".,"]
    if not marks:
        number = digits
    elif "." in marks and "," in marks:
        point = digits[max(digits.rfind("."), digits.rfind(","))]
        whole, _, frac = digits.rpartition(point)
        group = "," if point == "." else "."
        if point in whole or not re.match(r"^\d{1,3}(?:" + re.escape(group) + r"\d{3})*$",
                                          whole):
            raise NotAnAmount(f"'{raw[:40]}' is not an amount: write it as 20,000.00 or "
                              "20.000,00")
        number = whole.replace(group, "") + "." + frac
    elif _GROUPED.match(digits) and (marks[0] != decimal or len(marks) > 1):
        number = digits.replace(marks[0], "")
    elif len(marks) == 1:
        number = digits.replace(marks[0], ".")
    else:
        raise NotAnAmount(f"'{raw[:40]}' is not an amount: '{marks[0]}' appears "
                          f"{len(marks)} times")
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise NotAnAmount(f"'{raw[:40]}' is not an amount") from None
    return -value if negative else value


# words the portal says through a variable (f._(title)), for the catalog test
PORTAL_WORDS = ("Today", "This week",  # (and REVIEW_WORDS below)
                # the forecast's outcomes (finance.OUTCOME_WORDS), its headline measure
                "to date", "at pace", "low", "expected", "high", "attainment",
                # an accrual's `before_from` as the store keeps it when nothing was booked
                "nothing booked before")
# modules that say texts through `_`; every template under templates/ is read too
PORTAL_SOURCES = ("estimator.py", "stakes.py", "gates.py", "rep.py", "trend.py",
                  "finance.py", "disputes.py", "dispute_pages.py", "admin.py", "words.py",
                  "round_reports.py")
# pages only admin reads (no payee, no plan: English): the test of literal English
# skips them, and their <html lang> says en (endpoint.Ctx.render)
ENGLISH_ONLY_TEMPLATES = ("admin.html", "audit.html", "check.html", "tokens.html")
# a frame's words said through a variable: an error page's heading and the sentences
# of security.WORDS; a line's kind (the statement page's tag); a dispute's status
FRAME_WORDS = ("open", "answered", "resolved", "accepted", "rejected",
               # a target round's line states and steps, and units not added up
               "proposed", "countered", "reopened", "approved", "ratio", "number")
# texts the review page says through a variable: exception kinds, statuses, causes
REVIEW_WORDS = ("Negative pay", "Capped", "Held", "Disputed", "New payee", "Big mover",
                "negative pay", "capped", "held", "disputed", "new payee", "big mover",
                "draft", "approved", "paid", "Approve", "Mark paid", "plan", "data",
                "period", "data and period", "plan and data", "plan and period",
                "plan and data and period", "history", "neither", "quarter", "month",
                "year", "week", "half")


# modules whose refusals a rep, a manager or a visitor may meet: an error page says their
# sentences (and hints, and Word values) through the catalogs (security.said_in), so
# each is a text with its values apart, never an f-string. Beside each, the functions
# whose refusals stay English: reached by admin or finance only (who read the portal
# in English around a plan's pages), by programs (API tokens), or whose hint is
# another tool's own message (Chromium's, for a PDF)
REFUSAL_SOURCES = {
    "endpoint.py": ("page",), "auth.py": ("create_account", "revoke_token", "token_for"),
    "login.py": (), "pdfpool.py": ("_make_pdf",), "security.py": (),
    "disputes.py": ("parse_amount",), "dispute_pages.py": (), "review.py": (),
    "rep.py": (), "statements.py": (), "team.py": (), "finance.py": (),
    "rounds.py": ("_upload_text", "_read_upload", "create", "_date", "export_csv"),
    "../targets/rounds.py": ("parse_team", "parse_top_down", "parse_assumptions",
                             "open_round", "reopen", "move_deadline", "approve"),
}
REFUSAL_CALLS = ("Refused", "RoundError")


def refusal_calls() -> list[tuple[str, str, pyast.Call]]:
    """(module, function, call) for every Refused(...), RoundError(...) and Word(...) in
    REFUSAL_SOURCES outside the functions listed beside each module."""
    here = Path(__file__).resolve().parent
    out = []
    for name, skipped in REFUSAL_SOURCES.items():
        tree = pyast.parse((here / name).read_text(encoding="utf-8"))

        def visit(node, function: str) -> None:
            for child in pyast.iter_child_nodes(node):
                inner = function
                if isinstance(child, (pyast.FunctionDef, pyast.AsyncFunctionDef)):
                    inner = child.name if function == "" else function
                if isinstance(child, pyast.Call) and isinstance(child.func, pyast.Name) \
                        and child.func.id in REFUSAL_CALLS + ("Word",) \
                        and inner not in skipped:
                    out.append((name, inner, child))
                visit(child, inner)
        visit(tree, "")
    return out


def refusal_texts(call: pyast.Call) -> list:
    """A refusal's message and hint (the nodes: a text, or both branches of `a if c else
    b`), or a Word's text."""
    if call.func.id == "Word":
        nodes = call.args[:1]
    else:
        nodes = call.args[1:3] + [k.value for k in call.keywords if k.arg in ("message", "hint")]
    out = []
    for node in nodes:
        out.extend([node.body, node.orelse] if isinstance(node, pyast.IfExp) else [node])
    return out


def portal_message_ids() -> list[str]:
    """Every text the portal's pages of issue 15 say through the catalogs (calls of _
    with a literal text in their modules and templates): what each shipped catalog must
    translate, as render.locale.message_ids() is for statements."""
    here = Path(__file__).resolve().parent
    call = re.compile(r"""(?:\b_|\._)\(\s*(["'])((?:(?!\1).)+)\1\s*[,)]""")
    ids: dict[str, None] = {}
    for name in PORTAL_SOURCES:
        text = (here / name).read_text(encoding="utf-8")
        if name.endswith(".py"):  # by the parser: a text split over lines is one text
            for node in pyast.walk(pyast.parse(text)):
                if isinstance(node, pyast.Call) and node.args and _is_gettext(node.func) \
                        and isinstance(node.args[0], pyast.Constant) \
                        and isinstance(node.args[0].value, str):
                    ids.setdefault(node.args[0].value, None)
            continue
        for m in call.finditer(text):
            ids.setdefault(m.group(2), None)
    for name in template_names():
        for m in call.finditer((here / "templates" / name).read_text(encoding="utf-8")):
            ids.setdefault(m.group(2), None)
    for _module, _function, found in refusal_calls():
        for node in refusal_texts(found):
            if isinstance(node, pyast.Constant) and isinstance(node.value, str) and node.value:
                ids.setdefault(node.value, None)
    from ..engine.results import LINE_KINDS
    from .security import HEADINGS, REFUSED, WORDS
    for text in (PORTAL_WORDS + REVIEW_WORDS + FRAME_WORDS + tuple(LINE_KINDS)
                 + tuple(HEADINGS.values()) + (REFUSED,) + tuple(WORDS.values())):
        ids.setdefault(text, None)
    return list(ids)


def template_names() -> list[str]:
    """Every page template, as a path under templates/ (rounds/round.html)."""
    base = Path(__file__).resolve().parent / "templates"
    return sorted(str(p.relative_to(base)) for p in base.rglob("*.html"))


def _is_gettext(func) -> bool:
    """`_(...)` or `f._(...)`."""
    return (isinstance(func, pyast.Name) and func.id == "_") or \
        (isinstance(func, pyast.Attribute) and func.attr == "_")
