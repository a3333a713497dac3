"""Spark reads a run's input files itself (issue 13): CSV or Parquet at any path Spark
reads (a local folder, hdfs://, s3a://...), an input being one file or a folder of part
files. The driver never holds a transaction table.

Where an input is found (`locate`), for input `deals` of --data PATH: the plan's
`file:`, else PATH/deals.csv, PATH/deals.parquet (a file, or a folder of part files),
PATH/deals/ (a folder of .parquet or .csv part files).

Every row keeps its file and its row number there (`_file`, `_row`), as `validate` counts
them: in a CSV file the header is row 1 and every line counts, blank ones too (each line
is read as text and split by from_csv, its number worked out from the split of the file
it was read in: `_metadata.file_block_start` and the row's place in that split); in a
Parquet file the first record is row 1 (`_metadata.row_index`). A CSV cell that runs over
several lines (a quote left open) is named at its row: Spark reads a line a row.

Two kinds of inputs (`is_large`):

- a transaction input (one with a key: deals, order lines, split rows) is checked and
  typed in Spark, in one pass: every cell held to what compplan.engine.data accepts,
  each numeric column's scale (the most places of its values, so DECIMAL(38, s) is
  exact), duplicate keys. When a check fails, the first rows it failed on (at most
  BAD_ROWS) are collected and named by compplan.engine.data.row_problems: the words
  `validate` uses, at FILE:ROW. The typed table stays in Spark (`in_<name>`).
- every other input (payees, targets, rates, reporting lines, lookups: a row per payee
  or fewer) is collected and read by compplan.engine.data.load_table, exactly as a file
  is read by the other engines, into the DuckDB that prepares the run.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ...errors import CompplanError, Problem
from ..data import (ROW, Table, declared_columns, duplicate_key, load_table, read_records,
                    row_problems)
from ..datacheck import negative_warning, no_rows_warning
from ..hierarchy import reporting_input
from ..money import MINOR_UNITS
from ..plausible import beyond_warning, decimals_warning
from .decimals import DIV_SCALE
from .direct import BOOLEAN
from .plan import Column
from .targets import per_payee_inputs

BAD_ROWS = 100  # rows named when a check fails (validate names every one; a run stops)
FILE, LINE = "_file", "_line"
NUMERIC = ("money", "number", "ratio", "integer")
# a number as compplan.engine.data reads it without a word (after a ratio's % and
# thousands separators): digits, a point, a sign
_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
_THOUSANDS = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


@dataclass
class Source:
    """Where an input is: `path` as Spark reads it, its format, and `shown`, the path as
    the user wrote it (--data's own words), for messages."""

    name: str
    path: str
    fmt: str  # csv or parquet
    data: str  # --data as given
    root: str  # --data as Spark names it (file:/abs/path for a local folder)

    def shown(self, spark_file: str) -> str:
        """A file as Spark names it (file:/abs/...), as the user named its folder."""
        if spark_file.startswith(self.root):
            return self.data.rstrip("/") + spark_file[len(self.root):]
        return spark_file[5:] if spark_file.startswith("file:/") else spark_file


@dataclass
class Read:
    """What reading the inputs gave: the small tables (as the Python reader reads
    them), the large ones as Spark DataFrames with their columns' scales, the data's
    warnings by kind (in the Python engine's order), and each input's file(s)."""

    small: dict[str, Table] = field(default_factory=dict)
    large: dict = field(default_factory=dict)  # name -> DataFrame (typed, _row, _file)
    columns: dict[str, dict[str, Column]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    plausible: list[Problem] = field(default_factory=list)
    empty: list[Problem] = field(default_factory=list)
    negative: list[Problem] = field(default_factory=list)


def is_url(data: str) -> bool:
    return "://" in data or data.startswith(("hdfs:", "s3a:", "s3:", "gs:", "abfs"))


def is_large(plan, name: str) -> bool:
    """A transaction input (read and kept in Spark); the rest is a row per payee or
    fewer, read on the driver."""
    inp = plan.inputs[name]
    return bool(inp.key) and name != "payees" and not inp.manager and \
        name not in per_payee_inputs(plan) and name != reporting_input(plan) and \
        (plan.fx is None or name != plan.fx.from_)


def _root(data: str) -> str:
    if is_url(data):
        return data.rstrip("/")
    return "file:" + str(Path(data).resolve())


def locate(spark, data: str, name: str, inp) -> Source | None:
    """The input's file or folder of part files (see the module's docstring), or None."""
    root = _root(data)
    candidates = [inp.file] if inp.file else [f"{name}.csv", f"{name}.parquet", name] + \
        ([] if is_url(data) else [f"{name}.xlsx"])
    for rel in candidates:
        path = f"{data.rstrip('/')}/{rel}"
        if not is_url(data):
            p = Path(data) / rel
            if p.is_file():
                fmt = {".parquet": "parquet", ".xlsx": "xlsx"}.get(p.suffix.lower(), "csv")
                return Source(name, str(p.resolve()), fmt, data, root)
            if p.is_dir():
                parts = [f for f in p.iterdir() if not f.name.startswith(("_", "."))]
                fmt = "parquet" if any(f.suffix == ".parquet" for f in parts) or \
                    rel.endswith(".parquet") else "csv"
                return Source(name, str(p.resolve()), fmt, data, root)
            continue
        for fmt in (["parquet", "csv"] if not rel.endswith(".csv") else ["csv"]):
            if rel.endswith(".parquet") and fmt == "csv":
                continue
            try:  # a path Spark reads (hdfs://, s3a://): it says whether it is there
                (spark.read.parquet(path) if fmt == "parquet" else spark.read.text(path)).schema
                return Source(name, path, fmt, data, root)
            except Exception:  # noqa: BLE001 - not there, or not this format
                continue
    return None


# ---------------------------------------------------------------- raw cells
def _csv_lines(spark, src: Source):
    """Every line of the file(s) with `_file` and `_row` (the line's number, 1 the
    header), kept by the executors (a local checkpoint: the numbers are worked out on
    one reading of the files)."""
    from pyspark.sql import functions as F
    text = spark.read.text(src.path).select(
        F.col("value"), F.col("_metadata.file_path").alias(FILE),
        F.col("_metadata.file_block_start").alias("_blk"),
        F.monotonically_increasing_id().alias("_mid")).localCheckpoint(eager=True)
    # a split of a file is read by one task, its lines numbered one after another: a
    # line's row is the lines of the file's earlier splits, plus its place in its own
    blocks = sorted(text.groupBy(FILE, "_blk").agg(F.min("_mid").alias("_m0"),
                                                   F.count("*").alias("_n")).collect())
    base, before, last = [], 0, None
    for f, blk, m0, n in blocks:
        before = 0 if f != last else before
        base.append((f, blk, m0, before))
        before, last = before + n, f
    offsets = spark.createDataFrame(base, f"{FILE} string, _blk long, _m0 long, _base long")
    return text.join(F.broadcast(offsets), [FILE, "_blk"]).select(
        "value", FILE, (F.col("_mid") - F.col("_m0") + F.col("_base") + 1).alias(ROW))


def _header(src: Source, lines, name: str, inp) -> list[str]:
    """The CSV header (every file's the same), or the input's problem raised."""
    from pyspark.sql import functions as F
    heads = [] if lines is None else lines.filter(F.col(ROW) == 1).select(FILE, "value").collect()
    if not heads:
        raise CompplanError([Problem(src.shown(src.path), None, None, "the file is empty",
                                     "export the table with its header row: " + ", ".join(
                                         inp.rename.get(c, c) for c in declared_columns(inp)),
                                     code="empty-file")])
    first = None
    for f, value in sorted(heads):
        header = [h.strip() for h in next(csv.reader(io.StringIO(value.lstrip("\ufeff"))))]
        if first is None:
            first = header
        elif header != first:
            raise CompplanError([Problem(src.shown(f), None, None,
                                         f"its header is not the other files' of input "
                                         f"'{name}'", "write every part file with the same "
                                         "columns", code="bad-header", row=1)])
    return first


def raw_cells(spark, src: Source, name: str, inp):
    """-> (DataFrame of every row: `_file`, `_row`, `_odd` and the columns the plan reads
    as text, named as in the file; the header as a list)."""
    from pyspark.sql import functions as F
    wanted = [inp.rename.get(c, c) for c in declared_columns(inp)]
    if src.fmt == "parquet":
        df = spark.read.parquet(src.path)
        header = df.columns
        _missing(src, name, inp, header, src.shown(src.path))
        cols = [F.col(f"`{c}`").cast("string").alias(c) for c in wanted]
        return df.select(F.col("_metadata.file_path").alias(FILE),
                         (F.col("_metadata.row_index") + 1).alias(ROW),
                         F.lit(False).alias("_odd"), *cols), header
    if inp.encoding and inp.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise CompplanError([Problem(src.shown(src.path), None, None,
                                     f"input '{name}' is in {inp.encoding}: the Spark engine "
                                     "reads UTF-8 CSV and Parquet", "save it as UTF-8",
                                     code="unreadable-file")])
    lines = _csv_lines(spark, src)
    header = _header(src, lines, name, inp)
    _missing(src, name, inp, header, src.shown(src.path))
    schema = ", ".join(f"c{i} STRING" for i in range(len(header)))
    parsed = F.from_csv(F.col("value"), schema, {"quote": '"', "escape": '"',
                                                 "mode": "PERMISSIVE"})
    quotes = F.length("value") - F.length(F.regexp_replace("value", '"', ""))
    df = lines.filter(F.col(ROW) > 1).select(FILE, ROW, (quotes % 2 == 1).alias("_odd"),
                                             parsed.alias("_r"))
    cells = [F.col(f"_r.c{header.index(c)}").alias(c) for c in wanted]
    blank = None
    for i in range(len(header)):  # a row of empty cells is skipped (and counted)
        empty = F.coalesce(F.trim(F.col(f"_r.c{i}")), F.lit("")) == ""
        blank = empty if blank is None else blank & empty
    return df.filter(~blank | F.col("_odd")).select(FILE, ROW, "_odd", *cells), header


def _missing(src: Source, name: str, inp, header: list[str], shown: str) -> None:
    problems = [Problem(shown, None, None, f"column '{inp.rename.get(c, c)}' is missing",
                        f"the plan reads it as {name}.{c}; add it to the header, or map it "
                        "with 'rename:'", code="missing-column", row=1,
                        column=inp.rename.get(c, c))
                for c in declared_columns(inp) if inp.rename.get(c, c) not in header]
    if problems:
        raise CompplanError(problems)


def _odd_problem(file: str, row: int) -> Problem:
    return Problem(file, None, None, "a quote (\") is left open: the cell runs over "
                   "several lines", "close the quote; the Spark engine reads one row a "
                   "line (a cell with a line break in it: read it with --engine duckdb)",
                   code="bad-value", row=row)


# ---------------------------------------------------------------- small inputs
def read_small(src: Source, raw, header: list[str], name: str, inp,
               problems: list[Problem]) -> Table:
    """A small input's rows collected and read by the Python reader (load_table): the
    same values, checks and words as a file read by the other engines."""
    wanted = [inp.rename.get(c, c) for c in declared_columns(inp)]
    rows = raw.orderBy(FILE, ROW).collect()
    by_file: dict[str, list] = {}
    for r in rows:
        if r["_odd"]:
            problems.append(_odd_problem(src.shown(r[FILE]), r[ROW]))
            continue
        by_file.setdefault(r[FILE], []).append(
            (r[ROW], ["" if r[c] is None else r[c] for c in wanted]))
    files = sorted(by_file) or [src.path]
    table = Table(name, src.shown(files[0]))
    for f in files:
        part = load_table(name, inp, wanted, by_file.get(f, []), src.shown(f), problems)
        table.rows.extend(part.rows)
    return table


# ---------------------------------------------------------------- large inputs
def _strip(c):
    from pyspark.sql import functions as F
    return F.regexp_replace(c, r"^\s+|\s+$", "")


@dataclass
class _Col:
    """One declared column's checks and typed value, as Spark expressions."""

    name: str
    kind: str
    bad: object  # a cell the Python reader would not take as it is (or would refuse)
    places: object | None = None  # numeric: its places
    value: object | None = None  # the typed value, given the column's scale
    text: object | None = None  # numeric: the number's text (for warnings)


def _columns(inp, plan) -> list[_Col]:
    from pyspark.sql import functions as F
    out = []
    for col, kind in declared_columns(inp).items():
        src = inp.rename.get(col, col)
        v = _strip(F.col(f"`{src}`"))
        empty = v.isNull() | (v == "")
        required = col not in (inp.manager, inp.start, inp.end) and \
            (col in (inp.key, inp.payee) or inp.missing == "error")
        bad = empty if required else F.lit(False)
        zero = inp.missing == "zero"
        if kind in NUMERIC:
            pct = (v.endswith("%")) if kind == "ratio" else F.lit(False)
            raw = F.when(pct, _strip(F.regexp_replace(v, "%$", ""))).otherwise(v)
            raw = F.when(raw.rlike(_THOUSANDS), F.regexp_replace(raw, ",", "")).otherwise(raw)
            whole = F.ltrim(F.regexp_replace(F.split_part(raw, F.lit("."), F.lit(1)),
                                             "^[+-]", ""))
            ok = raw.rlike(_NUMBER) & (F.length(F.regexp_replace(whole, "^0+", "")) <= 18)
            frac = F.split_part(raw, F.lit("."), F.lit(2))
            if kind == "integer":
                ok = ok & frac.rlike("^0*$")
            bad = bad | (~empty & ~ok)
            places = F.when(empty, F.lit(0)).otherwise(
                F.lit(0) if kind == "integer" else
                F.length(frac) + F.when(pct, F.lit(2)).otherwise(F.lit(0)))
            out.append(_Col(col, kind, bad, places, (raw, pct, empty, zero), raw))
        elif kind == "date":
            day = F.substring(v, 1, 10)
            ok = day.rlike(_DATE) & day.try_cast("date").isNotNull()
            bad = bad | (~empty & ~ok)
            out.append(_Col(col, kind, bad, None,
                            F.when(empty, F.lit(None).cast("date")).otherwise(
                                day.try_cast("date"))))
        elif kind == "boolean":
            low = F.lower(v)
            bad = bad | (~empty & ~low.isin(list(BOOLEAN)))
            true = [w for w, b in BOOLEAN.items() if b]
            out.append(_Col(col, kind, bad, None,
                            F.when(empty, F.lit(None).cast("boolean")).otherwise(
                                low.isin(true))))
        else:
            allowed = inp.allowed_values.get(col)
            if allowed is not None:
                bad = bad | (~empty & ~v.isin(list(allowed)))
            out.append(_Col(col, kind, bad, None,
                            F.when(empty, F.lit(None).cast("string")).otherwise(v)))
    return out


def read_large(spark, src: Source, raw, header: list[str], name: str, inp, plan, read: Read,
               limit: Decimal):
    """A transaction input checked and typed in Spark (see the module's docstring); its
    problems raised at FILE:ROW in `validate`'s words. -> the typed DataFrame, kept by
    the executors; its columns' scales and the data's warnings go into `read`. One pass
    over the rows finds every count (bad cells, places, duplicate keys, the warnings');
    rows are read again only to name the bad ones, or each negative amount."""
    from pyspark.sql import functions as F
    cols = _columns(inp, plan)
    allowed = MINOR_UNITS.get(plan.currency, 2)
    at = F.struct(F.col(FILE), F.col(ROW))
    aggs = [F.count("*").alias("_n"), F.sum(F.col("_odd").cast("int")).alias("_odd")]
    for i, c in enumerate(cols):
        aggs.append(F.sum(c.bad.cast("int")).alias(f"_bad{i}"))
        if c.places is not None:
            aggs.append(F.max(c.places).alias(f"_places{i}"))
        if c.kind == "money":  # the warnings (direct._warn's): a cell's own places
            wide = c.text.try_cast("decimal(38,18)")
            places = F.length(F.regexp_replace(F.split_part(c.text, F.lit("."), F.lit(2)),
                                               "0+$", ""))
            first = F.struct(F.col(FILE), F.col(ROW), c.text)
            for tag, cond in (("beyond", F.abs(wide) > F.lit(str(limit)).cast(
                    "decimal(38,18)")), ("decimals", places > allowed)):
                aggs += [F.count_if(cond).alias(f"_{tag}{i}"),
                         F.min_by(F.when(cond, first), F.when(cond, at)).alias(f"_{tag}_at{i}")]
            aggs.append(F.count_if(wide < 0).alias(f"_neg{i}"))
    if inp.key:
        k = _strip(F.col(f"`{inp.rename.get(inp.key, inp.key)}`"))
        aggs.append((F.count("*") - F.count_distinct(k)).alias("_dup"))
    stats = raw.agg(*aggs).collect()[0]
    wanted = [inp.rename.get(c, c) for c in declared_columns(inp)]
    if stats["_odd"] or any(stats[f"_bad{i}"] for i in range(len(cols))):
        any_bad = F.col("_odd")
        for c in cols:
            any_bad = any_bad | c.bad
        problems = []
        for r in raw.filter(any_bad).orderBy(FILE, ROW).limit(BAD_ROWS).collect():
            file = src.shown(r[FILE])
            if r["_odd"]:
                problems.append(_odd_problem(file, r[ROW]))
                continue
            found = row_problems(name, inp, wanted, r[ROW],
                                 ["" if r[c] is None else r[c] for c in wanted], file)
            problems += found or [_not_read(file, r[ROW], inp, cols, r)]
        raise CompplanError(problems)
    if inp.key and stats["_dup"]:
        from pyspark.sql.window import Window
        k = _strip(F.col(f"`{inp.rename.get(inp.key, inp.key)}`"))
        w = Window.partitionBy(k).orderBy(FILE, ROW)
        dups = raw.select(FILE, ROW, k.alias("_k"), F.row_number().over(w).alias("_i"),
                          F.first(F.col(ROW)).over(w).alias("_first")) \
            .filter(F.col("_i") > 1).orderBy(FILE, ROW).limit(BAD_ROWS).collect()
        raise CompplanError([duplicate_key(src.shown(r[FILE]), inp, r["_k"], r["_first"],
                                           r[ROW]) for r in dups])
    scales, select = {}, [F.col(FILE), F.col(ROW)]
    for i, c in enumerate(cols):
        if c.places is not None:
            scale = int(stats[f"_places{i}"] or 0)
            if scale > DIV_SCALE:
                from .exprs import Unsupported
                raise Unsupported(None, f"amounts with more than {DIV_SCALE} decimal places "
                                        f"({src.shown(src.path)}, column {c.name})")
            raw_text, pct, empty, zero = c.value
            t = f"decimal(38,{scale})"
            number = F.when(pct, (raw_text.cast(t) / F.lit(100)).cast(t)) \
                .otherwise(raw_text.cast(t))
            value = F.when(empty, F.lit(0).cast(t) if zero else F.lit(None).cast(t)) \
                .otherwise(number)
            scales[c.name] = scale
        else:
            value = c.value
        select.append(value.alias(c.name))
    read.columns[name] = {c.name: Column(c.name, scales.get(c.name)) for c in cols}
    typed = raw.select(*select).localCheckpoint(eager=True)
    if stats["_n"] == 0:
        read.empty.append(no_rows_warning(name, src.shown(src.path)))
    for i, c in enumerate(cols):
        if c.kind != "money":
            continue
        for tag in ("beyond", "decimals"):
            n, first = stats[f"_{tag}{i}"], stats[f"_{tag}_at{i}"]
            if not n:
                continue
            file, row, shown = src.shown(first[0]), first[1], Decimal(first[2])
            read.plausible.append(
                beyond_warning(file, shown, n, limit, row, c.name) if tag == "beyond" else
                decimals_warning(file, shown, n, plan.currency, allowed, row, c.name))
        if stats[f"_neg{i}"]:
            for f, row, v in typed.filter(F.col(c.name) < 0).select(FILE, ROW, c.name) \
                    .orderBy(FILE, ROW).toLocalIterator():
                read.negative.append(negative_warning(src.shown(f), row, c.name, v))
    return typed


def _not_read(file: str, row: int, inp, cols: list[_Col], r) -> Problem:
    """A cell the Python reader takes but the Spark reader does not (a number as 1e3):
    named, never read otherwise."""
    for c in cols:
        text = r[inp.rename.get(c.name, c.name)]
        if text is not None and text.strip():
            return Problem(file, None, None, f"'{text.strip()}' in column "
                           f"{inp.rename.get(c.name, c.name)} is not written as the Spark "
                           "engine reads it", "write it plainly (1250.00, 8%, 2026-03-31, "
                           "true), or run with --engine duckdb", code="bad-value", row=row,
                           column=inp.rename.get(c.name, c.name))
    return Problem(file, None, None, "a row the Spark engine does not read", None,
                   code="bad-value", row=row)


# ---------------------------------------------------------------- the whole folder
def read_inputs(spark, compiled, data: str, limit: Decimal) -> Read:
    """Every input of the plan found under `data` and read (see the module's docstring);
    every problem of every input raised at once, as load_folder does."""
    plan = compiled.plan
    read, problems = Read(), []
    for name, inp in plan.inputs.items():
        src = locate(spark, data, name, inp)
        if src is None:
            rel = inp.file or name + ".csv"
            problems.append(Problem(f"{data.rstrip('/')}/{rel}", None, None,
                                    f"no file for input '{name}'",
                                    f"add {rel} (or {name}.parquet, or a folder {name}/ of "
                                    "part files) to the folder", code="missing-file"))
            continue
        read.files[name] = src.shown(src.path)
        try:
            if not is_large(plan, name) and not is_url(data) and \
                    Path(src.path).is_file() and src.fmt != "parquet":
                # a small local file: read as the other engines read it (load_folder)
                header, records = read_records(Path(src.path), inp.encoding,
                                               f"inputs.{name}")
                if not header:
                    _header(src, None, name, inp)
                read.small[name] = load_table(name, inp, header, records,
                                              read.files[name], problems)
                continue
            if src.fmt == "xlsx":
                raise CompplanError([Problem(read.files[name], None, None, "the Spark engine "
                                             "reads CSV and Parquet for a transaction input",
                                             "save it as CSV", code="unreadable-file")])
            raw, header = raw_cells(spark, src, name, inp)
            if is_large(plan, name):
                read.large[name] = read_large(spark, src, raw, header, name, inp, plan,
                                              read, limit)
            else:
                read.small[name] = read_small(src, raw, header, name, inp, problems)
        except CompplanError as e:
            problems.extend(e.problems)
    if problems:
        raise CompplanError(problems)
    return read


def views(read: Read) -> list[str]:
    """The large inputs as Spark's temporary views in_<name> (the columns DuckDB's
    in_<name> has: _row and the plan's); -> the views' names."""
    names = []
    for name, df in read.large.items():
        df.drop(FILE).createOrReplaceTempView(f"in_{name}")
        names.append(f"in_{name}")
    return names


def stand_ins(duck, compiled, read: Read) -> list[str]:
    """For the currency checks the DuckDB preparation makes (fx.create_rates' days of
    each currency, fx.suspicious), each converted large input as its distinct
    (currency, date): all those checks read of it. -> the tables made (dropped before
    the inputs go to Spark)."""
    from pyspark.sql import functions as F
    from . import fx as sql_fx
    from .plan import q
    made = []
    for name in sql_fx.checked_inputs(compiled):
        if name not in read.large:
            continue
        inp = compiled.plan.inputs[name]
        cols = [inp.currency] + ([inp.date] if inp.date else [])
        rows = read.large[name].select(*[F.col(c) for c in cols]).distinct().collect()
        types = ["VARCHAR"] + (["DATE"] if inp.date else [])
        duck.execute(f"CREATE TEMP TABLE {q('in_' + name)} (" + ", ".join(
            f"{q(c)} {t}" for c, t in zip(cols, types)) + ")")
        if rows:
            duck.executemany(f"INSERT INTO {q('in_' + name)} VALUES (" +
                             ", ".join("?" for _ in cols) + ")", [tuple(r) for r in rows])
        made.append("in_" + name)
    return made


def suspicious(spark, compiled, read: Read) -> bool:
    """The period-wide checks of the large inputs (run.check_data's, asked of Spark once
    in_payees is there): a row whose payee is not a payee, a split whose shares do not
    add up to 100%."""
    from .plan import q
    plan = compiled.plan
    pinp = plan.inputs.get("payees")
    known = f"SELECT CAST({q(pinp.key)} AS STRING) FROM in_payees" \
        if pinp is not None and "payees" in read.small else None
    for name in read.large:
        inp = plan.inputs[name]
        if known is not None and inp.payee:
            n = spark.sql(f"SELECT count(*) FROM {q('in_' + name)} WHERE CAST({q(inp.payee)} "
                          f"AS STRING) NOT IN ({known})").collect()[0][0]
            if n:
                return True
    for cr in plan.credits.values():
        sp = cr.split
        if sp is None or sp.from_ not in read.large or cr.from_ not in read.files:
            continue
        link = plan.inputs[cr.from_].key
        sinp = plan.inputs[sp.from_]
        if link not in sinp.columns and link not in (sinp.key, sinp.payee):
            return True
        n = spark.sql(f"SELECT count(*) FROM (SELECT 1 FROM {q('in_' + sp.from_)} GROUP BY "
                      f"CAST({q(link)} AS STRING) HAVING sum(coalesce({q(sp.share)}, 0)) <> 1)"
                      ).collect()[0][0]
        if n:
            return True
    return False


SUBSET = 10_000  # rows of a large input the Python preparation is shown when a check fails


def subset(compiled, read: Read) -> dict[str, Table]:
    """The tables the Python preparation names the period-wide problems in: the small
    ones whole, of each large one the rows a check can fail on (a payee not among the
    payees, a row of a split, a row in another currency), at most SUBSET of each."""
    from pyspark.sql import functions as F
    plan = compiled.plan
    tables = dict(read.small)
    pinp = plan.inputs.get("payees")
    keys = {str(r[pinp.key]) for r in read.small["payees"].rows} \
        if pinp is not None and "payees" in read.small else None
    split_inputs = {x for cr in plan.credits.values() if cr.split is not None
                    for x in (cr.from_, cr.split.from_)}
    for name, df in read.large.items():
        inp = plan.inputs[name]
        cond = F.lit(name in split_inputs)
        if keys is not None and inp.payee:
            cond = cond | ~F.col(inp.payee).cast("string").isin(list(keys))
        if inp.currency:
            cond = cond | (F.upper(F.coalesce(F.col(inp.currency), F.lit(plan.currency)))
                           != plan.currency)
        rows = df.filter(cond).orderBy(FILE, ROW).limit(SUBSET).collect()
        table = Table(name, read.files[name])
        for r in rows:
            d = r.asDict()
            d.pop(FILE)
            table.rows.append(d)
        tables[name] = table
    return tables
