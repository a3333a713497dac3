"""The plan model: the structure of a plan file, validated by pydantic.

Values that compute something are kept as expression text (`Expr`) here; the checker
parses them into the AST with their positions. `compplan schema` prints this model as
a JSON Schema, so editors can complete and validate plan files as they are typed.
"""
from __future__ import annotations

import codecs
import re
import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema,
                      field_validator)

Expr = Annotated[str, WithJsonSchema({"type": ["string", "number", "boolean"],
                                      "description": "an expression"})]
Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
PeriodKind = Literal["day", "week", "half_month", "month", "quarter", "half", "year"]
ColumnType = Literal["money", "ratio", "percent", "number", "integer", "int", "date", "text",
                     "boolean", "bool"]
RoundingMode = Literal["half_up", "half_even", "half_down", "up", "down", "ceiling", "floor"]


def _percent(v):
    """'20%' -> Decimal('0.2'); plain numbers as they are (kept exact, never float)."""
    if isinstance(v, str) and v.strip().endswith("%"):
        try:
            return Decimal(v.strip()[:-1].replace("_", "")) / 100
        except Exception:
            return v
    return v


Share = Annotated[Decimal, BeforeValidator(_percent)]

LOCALE_CODE = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$")


class Label(str):
    """Words for people: one text, or one per locale (`{en: Outlet coverage, vi: Độ
    phủ điểm bán}`). As a string it is the English text (or the one text, or the
    first): what the engine's own output, lines.csv and the logs carry. Statements ask
    for the reader's language with `text_for`."""

    texts: dict[str, str]

    def __new__(cls, texts: dict[str, str] | str):
        if isinstance(texts, str):
            texts = {"": texts}
        default = texts.get("en") or next(iter(texts.values()))
        obj = super().__new__(cls, default)
        obj.texts = dict(texts)
        return obj

    @property
    def per_locale(self) -> bool:
        return "" not in self.texts

    def get(self, code: str | None) -> str | None:
        """The text written for a locale (vi_VN falls back to vi), or None; a label of
        one text is the plan's own words, for every reader."""
        if not self.per_locale:
            return self.texts[""]
        if not code:
            return None
        code = code.replace("-", "_")
        return self.texts.get(code) or self.texts.get(code.split("_")[0].lower())

    def text_for(self, code: str | None) -> str:
        return self.get(code) or str(self)

    def __reduce__(self):  # forked and pickled statements keep every language
        return (Label, (self.texts,))


def _label(v):
    if isinstance(v, Label):
        return v
    if isinstance(v, (str, int, Decimal)) and not isinstance(v, bool) and str(v).strip():
        return Label(str(v))
    if isinstance(v, dict) and v:
        bad = [k for k in v if not LOCALE_CODE.match(str(k))]
        if bad:
            raise ValueError(f"'{bad[0]}' is not a locale code; write e.g. en, vi, pl, ms")
        empty = [k for k, x in v.items() if not isinstance(x, str) or not x.strip()]
        if empty:
            raise ValueError(f"the label for '{empty[0]}' must be a text")
        return Label({str(k).replace("-", "_"): x for k, x in v.items()})
    raise ValueError("a label is a text, or one text per locale: {en: Coverage, vi: Độ phủ}")


LABEL_SCHEMA = {
    "anyOf": [{"type": "string"},
              {"type": "object", "additionalProperties": {"type": "string"},
               "propertyNames": {"pattern": LOCALE_CODE.pattern}}],
    "description": "words for people: a text, or one per locale {en: ..., vi: ...}"}
LabelText = Annotated[Any, BeforeValidator(_label), WithJsonSchema(LABEL_SCHEMA)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Effective(Strict):
    from_: dt.date = Field(alias="from")
    to: dt.date | None = None


class Rounding(Strict):
    """How each line is rounded: to a step (0.01 = cents), with a mode. Every pay line
    is rounded on its own; an earning's total is the sum of its rounded lines.

    Without `to`, lines round to the minor unit of the plan's currency (0.01 for USD,
    1 for JPY or VND).
    """

    to: Annotated[Decimal, Field(gt=0)] | None = None
    mode: RoundingMode = "half_up"


def _texts(v):
    """YAML reads `[new, 2, yes]` as a string, a number and a boolean: the values of a
    text column are texts as written in the file."""
    if isinstance(v, list):
        return [("true" if x else "false") if isinstance(x, bool) else
                (str(x) if isinstance(x, (int, float, Decimal)) else x) for x in v]
    return v


class TextValues(Strict):
    """A text column that may hold only the listed values (`{text: [new, renewal]}`):
    any other value is a data error at its row, and the checker knows the values."""

    text: Annotated[list[Annotated[str, Field(min_length=1)]],
                    BeforeValidator(_texts), Field(min_length=1)]

    def __str__(self) -> str:
        return "text"  # its type word, as a plain column's


ColumnSpec = ColumnType | TextValues


class Input(Strict):
    """A typed table the plan reads, from `<name>.csv` (or .xlsx) in the data folder.

    A table with a `key` holds transactions (many rows per payee); one with a `payee`
    and no `key` holds one row per payee (and period), like quotas or KPI values.
    """

    file: str | None = None
    key: str | None = None
    payee: str | None = None
    date: str | None = None
    period: str | None = None
    currency: str | None = None
    manager: str | None = None
    start: str | None = None  # payees: first active day (hire date), for proration
    end: str | None = None  # payees: last active day
    # payees: the column saying how often each is settled (half_month, month...), when
    # not all by the plan's period (issue 20; lang/settle.py)
    frequency: str | None = Field(None, description=(
        "payees only: the text column saying how often each payee is settled "
        "(half_month, month, quarter, half, year: whole periods of the plan's); an "
        "empty cell is the plan's period. A payee is settled in the run of the plan's "
        "period that ends with theirs (a monthly payee in 2026-03b)"))
    by: list[Name] = []  # one-row-per-payee tables: more key columns (product, territory)
    weights: dict[str, Share] = {}  # a longer target's split by period number, not days
    columns: dict[Name, ColumnSpec] = {}
    rename: dict[Name, str] = {}
    # `missing: null` is YAML's null, so None is allowed (and read as "null")
    missing: Literal["error", "null", "zero"] | None = "error"
    # the file's text encoding when it is not UTF-8: cp1252 (Excel on Windows, Western
    # Europe), latin-1, utf-16, shift_jis... any name Python's codecs know
    encoding: Annotated[str, WithJsonSchema({
        "type": "string", "examples": ["utf-8", "cp1252", "latin-1", "utf-16"],
        "description": "the file's text encoding, when it is not UTF-8"})] | None = None
    description: str | None = None
    # words for people: what one row is (Deal, Outlet visit), each column's name, and the
    # columns that tell a row apart for a reader (a line shows them, not the row's id)
    label: LabelText | None = None
    labels: dict[Name, LabelText] = {}
    describe: list[Name] = []

    @property
    def allowed_values(self) -> dict[str, tuple[str, ...]]:
        """The text columns that list their values, and the values (for the checker,
        the data check and the portal's estimator)."""
        return {c: tuple(t.text) for c, t in self.columns.items() if isinstance(t, TextValues)}

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, v):
        if v is None:
            return v
        try:
            info = codecs.lookup(v)
        except LookupError:
            raise ValueError(f"unknown encoding '{v}'; write e.g. utf-8, cp1252, latin-1 "
                             "or utf-16") from None
        if not getattr(info, "_is_text_encoding", True):
            raise ValueError(f"'{v}' is not a text encoding; write e.g. utf-8 or cp1252")
        return v

    @field_validator("missing", mode="before")
    @classmethod
    def _null_word(cls, v):
        # `missing: null` is YAML's null; it means "a missing value stays missing"
        return "null" if v is None else v


class Split(Strict):
    """Shares of a transaction between payees, from a table of (transaction, payee, share)."""

    from_: Name = Field(alias="from")
    share: Name = "share"


class Rollup(Strict):
    """Credit managers with their team's credits, up the `manager` column."""

    levels: Annotated[int, Field(ge=1)] | Literal["all"] = "all"


class Credit(Strict):
    from_: Name = Field(alias="from")
    when: Expr | None = None
    value: Expr
    payee: Name | None = None
    split: Split | None = None
    rollup: Rollup | None = None
    description: str | None = None


class Tier(Strict):
    """A band [from, to) of a basis and its rate. Bounds and rates are literals or
    expressions of params, payee.<column> and columns of a one-row-per-payee input
    (`to: targets.meetings`: a table per payee), never of the period's figures.
    `at_boundary` on a tier (not the first) says which tier a value exactly on its
    `from` takes, where the table's own rule does not fit that bound."""

    from_: Expr | None = Field(None, alias="from")
    to: Expr | None = None
    rate: Expr
    at_boundary: Literal["upper", "lower"] | None = None


class RateTable(Strict):
    """Tiers on a basis (marginal or whole amount), a curve through points
    (`mode: interpolate`), or a lookup table by keys."""

    basis: Expr | None = None
    mode: Literal["marginal", "whole", "interpolate"] | None = None
    at_boundary: Literal["upper", "lower"] | None = None
    # per-unit tiers on a count: `whole` pays each unit (a meeting) in one tier
    units: Literal["whole"] | None = None
    tiers: list[Tier] | None = None
    # mode: interpolate: [x, y] points, straight lines between; what the curve gives
    # below the first point and above the last
    points: list[list[Expr]] | None = None
    below: Literal["zero", "clamp", "extend"] | None = None
    above: Literal["clamp", "extend"] | None = None
    keys: list[Name] | None = None
    rows: list[list[Expr]] | None = None
    default: Expr | None = None
    label: LabelText | None = None
    description: str | None = None


class Hold(Strict):
    """Part of each line held back: paid in a later run once `until` holds for the line's
    transaction (an invoice paid), or after `periods` periods."""

    share: Expr
    until: Expr | None = None
    periods: int | None = Field(None, ge=1)


class Pool(Strict):
    """An earning shared out: `value` is the pool of a group of payees (those with one
    value in the payees column `by`: a team, a store, a territory), and each member who
    meets `members` gets a part in proportion to `share` (equal parts without it). The
    parts add up to the pool rounded once: each is rounded down and the steps left over
    go to the largest remainders (engine/groups.py)."""

    by: Name = Field(description="the payees column that forms the groups: team, store")
    members: Expr | None = Field(None, description="who shares, from each member's own "
                                 "figures: attainment >= 50%")
    share: Expr | None = Field(None, description="each sharer's weight (booked); "
                               "equal parts without it")


class Earning(Strict):
    label: LabelText | None = None
    each: Name | None = None
    when: Expr | None = None
    when_label: LabelText | None = None  # the condition in words, for statements
    value: Expr
    cap: Expr | None = None
    floor: Expr | None = None
    hold: Hold | None = None
    pool: Pool | None = None
    description: str | None = None


class Draw(Strict):
    """An advance against commission: each period pays at least `amount`. Recoverable:
    the top-up is carried as a balance and taken back from later pay above the draw."""

    amount: Expr
    recoverable: bool = False
    periods: int | None = Field(None, ge=1)  # how many periods it is paid; None: always


class Payout(Strict):
    """What is paid from what is earned, across periods (applied to stored runs)."""

    basis: Literal["period", "year_to_date"] = "period"
    draw: Draw | None = None


class Clawback(Strict):
    """Commission taken back when a paid transaction later meets `when` (cancelled,
    unpaid), by `share` of what was paid for it, in the next run."""

    from_: Name = Field(alias="from")
    when: Expr
    share: Expr = "100%"
    description: str | None = None


class Limits(Strict):
    """A cap or floor on a payee's total pay, across components."""

    cap: Expr | None = None
    floor: Expr | None = None


class FX(Strict):
    """Exchange rates: a table of (currency, rate[, period or date]) where one unit of
    the currency is worth `rate` units of the plan currency. `at: period` converts every
    row at the period's rate; `at: date` each transaction at its own date's rate."""

    from_: Name = Field(alias="from")
    currency: Name = "currency"
    rate: Name = "rate"
    at: Literal["period", "date"] = "period"


class Subtotal(Strict):
    """Credits of one payee and period grouped by day, week or a column (a bill id),
    with figures per group: rows an earning pays on with `each:` as it pays on credits
    ("2% on every day over 200,000", "a kicker on each bill"). `value` and `columns`
    are aggregates over the group's credits: sum(sales where category == "acc")."""

    from_: Name = Field(alias="from", description="the credit set grouped")
    by: Name = Field(description="day, week, or a column of the credits' input (bill_id)")
    value: Expr = Field(description="the group's figure, e.g. sum(sales)")
    columns: dict[Name, Expr] = Field({}, description="more figures per group, by name")
    label: LabelText | None = None
    description: str | None = None


DISPLAY = ("percent", "share", "ratio", "count", "money", "number")


def _measure(v):
    """`name: expression` is `name: {value: expression}`."""
    return v if isinstance(v, (dict, Measure)) else {"value": v}


class Measure(Strict):
    """A measure: its expression, and how people see it. `display` says what the figure
    is: percent (of a target, drawn as a bar to 100%), share (a percentage of a whole,
    not of a target: a margin of 27.4% of revenue, never a bar), ratio (so many per one:
    2.55 lines per call), count, money or number."""

    value: Expr
    label: LabelText | None = None
    display: Literal["percent", "share", "ratio", "count", "money", "number"] | None = None
    description: str | None = None

    def __str__(self) -> str:
        return str(self.value)


MeasureEntry = Annotated[Measure, BeforeValidator(_measure), WithJsonSchema({
    "anyOf": [{"type": ["string", "number", "boolean"], "description": "an expression"},
              {"type": "object", "required": ["value"], "additionalProperties": False,
               "properties": {
                   "value": {"type": ["string", "number", "boolean"]},
                   "label": LABEL_SCHEMA,
                   "display": {"enum": list(DISPLAY)},
                   "description": {"type": "string"}}}]})]

Rows = dict[Name, list[dict[Name, Any]]]
# per payee: earnings, measures, carried components or `total` -> value; and `lines:`
# {source id: value, or {component: value}}
Expected = dict[str, dict[str, Any]]


class ScenarioPeriod(Strict):
    """One period of a scenario of several: the rows it adds (a row with the key of an
    earlier one replaces it, as a data file changes between runs) and what it must pay."""

    period: str = Field(description="a period of the plan's kind, e.g. 2026-Q2")
    data: Rows = Field({}, description="rows added to (or, by key, replacing) the data "
                       "of the periods before")
    expect: Expected = Field({}, description="per payee, what this period's saved run pays")


class Scenario(Strict):
    """A few rows of inline data and the payouts they must give: the plan's own test.

    With `period`, one period worked out without a store. With `periods`, several,
    each saved, approved and paid in turn in a throwaway store, so that what carries
    from one to the next (draws, holds, clawbacks, the year so far) can be expected."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True,
                              json_schema_extra={"oneOf": [{"required": ["period"]},
                                                           {"required": ["periods"]}]})
    name: str
    period: str | None = Field(None, description="the one period the scenario pays")
    periods: list[str | ScenarioPeriod] | None = Field(
        None, description="several periods, in order, run as saved-and-paid runs: each "
        "a period (e.g. 2026-Q1) or {period, data, expect}")
    data: Rows = Field({}, description="rows per input, by the data files' column names "
                       "(with periods: the rows every period starts from)")
    expect: Expected = Field({}, description="per payee: earnings, measures, carried "
                             "components (draw, held, released, clawback, adjustment, "
                             "paid_earlier), total, and lines: {source id: amount} (with "
                             "periods: of the last period)")


PlanId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class Plan(Strict):
    plan: PlanId
    name: str
    version: int | str = 1
    description: str | None = None
    effective: Effective | None = None
    period: PeriodKind
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    # statements' language when a payee has none in the payees table's `locale` column
    locale: Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$")] | None = None
    rounding: Rounding = Rounding()
    inputs: dict[Name, Input] = {}
    params: dict[Name, Expr] = {}
    credits: dict[Name, Credit] = {}
    measures: dict[Name, MeasureEntry] = {}
    rates: dict[Name, RateTable] = {}
    subtotals: dict[Name, Subtotal] = {}
    earnings: dict[Name, Earning] = {}
    total: Limits | None = None
    fx: FX | None = None
    payout: Payout | None = None
    clawbacks: dict[Name, Clawback] = {}
    scenarios: list[Scenario] = []


SECTIONS = ("inputs", "params", "credits", "measures", "rates", "earnings", "subtotals")


def json_schema() -> dict:
    schema = Plan.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "compplan plan file"
    # what editors show while a plan is typed: the kinds of period with their labels,
    # and every function an expression may call (windows in time among them, issue 20)
    from .checked import FUNCTIONS  # (checked imports this module)
    schema["properties"]["period"]["description"] = (
        "How often the plan pays; a run names one period: day 2026-03-15, week 2026-W05, "
        "half_month 2026-03a (the 1st to the 15th) or 2026-03b (the 16th to the month's "
        "end), month 2026-03, quarter 2026-Q1, half 2026-H1, year 2026")
    expression = ("an expression (docs/language.md section 8); functions: "
                  + ", ".join(f"{f}()" for f in sorted(FUNCTIONS))
                  + "; windows in time: ytd(x), qtd(x), mtd(x), last_year(x), "
                  "trailing(x, 12 months)")
    stack: list = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("description") == "an expression":
                node["description"] = expression
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)

    return schema
