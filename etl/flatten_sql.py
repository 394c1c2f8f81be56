"""The rows of the warehouse's detail tables, made in DuckDB from accepted documents read as typed columns (#22).

The SQL is written here once, from the data dictionary and the table spec, over a relation `docs`: one row per
accepted finished document with its document columns (`document_columns`, as DuckDB reads them from JSON Lines)
plus version_id, account_id, survey_year and `excluded` (the funding sources excl(u) leaves out, F-03).
The measures' SELECT takes the partner codes of each scope as $INTL and $HMT (`scope_params`). Each SELECT returns
its table's columns in the Parquet schema's order.

DuckDB's JSON reader casts leniently ("12" becomes 12, 1.5 becomes 2) and ignores unknown keys, so it reads only
accepted documents: their bytes as the strict decode took them, or written out again from the validated document
(flatten.document_line). The types are judged before, in Python.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from . import dictionary as d
from .config import OFFLINE
from .dictionary.sections import DIRECTIONS, FUNDING_LEVELS
from .flatten import MEASURE_SOURCES, NOT_FIGURES, SCHEMAS, STANDARD_COLS
from .reference import load as load_reference
from .tables import KEY_COLUMNS, PROFILE_TEXT, PROJECT_MONEY, PROJECT_TEXT

SCALAR = {"int": "BIGINT", "money": "DOUBLE", "bool": "BOOLEAN", "multi_enum": "VARCHAR[]", "partner_list": "VARCHAR[]"}
KEY_NAMES = tuple(c.name for c in KEY_COLUMNS)
KEYS = ", ".join(KEY_NAMES)
TIMESTAMPS = frozenset(f.name for f in d.HEADER.fields if f.kind == "timestamp")


def _sql_type(f: d.Field) -> str:
    return SCALAR.get(f.kind, "VARCHAR")


def _struct(fields: tuple[d.Field, ...]) -> str:
    return "STRUCT(" + ", ".join(f'"{f.name}" {_sql_type(f)}' for f in fields) + ")"


def document_columns() -> dict[str, str]:
    """A finished document's columns as DuckDB reads them (dates and timestamps as text), from the dictionary."""
    cols = {f.name: _sql_type(f) for f in d.HEADER.fields}
    cols |= {g.key: _struct(g.fields) for g in d.SECTIONS if g.in_document}
    cols |= {g.key: _struct(g.fields) + "[]" for g in d.DETAILS}
    maps = ", ".join(f'"{f.name}" MAP(VARCHAR, {"DOUBLE" if f.kind == "money" else "BIGINT"})'
                     for f in d.TYPED_PARTNER_FIELDS)  # fmt: skip
    return {"_version_id": "VARCHAR", "_excluded": "VARCHAR[]", **cols, "by_partner": f"STRUCT({maps})"}


def _counted(expr: str) -> str:
    """A list as the figures' hash can tell where it ends: its length (0 when missing, as for an empty one), then its
    elements. DuckDB's hash() folds nested values in order, so [1, 2], [3] and [1], [2, 3] would hash alike."""
    return f"struct_pack(n := coalesce(len({expr}), 0), v := {expr})"


def _fields_figure(fields: tuple[d.Field, ...], expr: str) -> str:
    """The struct `expr` (of `fields`) as the hash takes it: its lists counted (_counted)."""
    if not any(_sql_type(f).endswith("[]") for f in fields):
        return expr
    return (
        "struct_pack("
        + ", ".join(
            f'"{f.name}" := '
            + (_counted(f'{expr}."{f.name}"') if _sql_type(f).endswith("[]") else f'{expr}."{f.name}"')
            for f in fields
        )
        + ")"
    )


_SECTIONS = {g.key: g for g in d.SECTIONS if g.in_document}
_DETAILS = {g.key: g for g in d.DETAILS}
_HEADER = {f.name: f for f in d.HEADER.fields}


def _as_figure(name: str) -> str:
    """Document column `name` as the figures' hash takes it: each list counted (a section's, a detail group's and its
    rows', each partner map's), each partner map as its entries in code order (a workbook lists them in its own)."""
    col = f'"{name}"'
    if name == "by_partner":
        entries = {f.name: f'list_sort(map_entries(by_partner."{f.name}"))' for f in d.TYPED_PARTNER_FIELDS}
        return "struct_pack(" + ", ".join(f'"{n}" := {_counted(e)}' for n, e in entries.items()) + ")"
    if name in _SECTIONS:
        return _fields_figure(_SECTIONS[name].fields, col)
    if name in _DETAILS:
        row = _fields_figure(_DETAILS[name].fields, "r")
        return _counted(col if row == "r" else f"list_transform({col}, lambda r: {row})")
    return _counted(col) if _sql_type(_HEADER[name]).endswith("[]") else col


def figures_sql() -> str:
    """Per document of `docs`: its version_id and the hash of its figures but its timestamps (16 hex digits).

    Two versions of one revision with the same figures are one submission, at two status events (submitted, then
    approved) or in two formats (JSON, and a workbook re-exported from it), never a conflict. Left out: the status
    fields and the submission's id (a workbook has none of its own), and submitted_at, which the spool holds as written
    (a time without an offset is Beijing's, validate._check_header): etl/run.py adds the checked instant. Typed
    columns make the rest canonical: an optional value left out and one written null are both NULL, an empty list
    and a missing one both of length 0, 12 and 12.0 万元 the same DOUBLE. The hash is DuckDB's (a few µs a document
    here, against ~30 in the checking workers' Python), so the run's fingerprint names DuckDB's version: figures
    are compared only within one generation (etl/run.py).
    """
    skip = NOT_FIGURES | TIMESTAMPS
    cols = [f'"{n}" := {_as_figure(n)}' for n in document_columns() if not n.startswith("_") and n not in skip]
    return f"select version_id, printf('%016x', hash(struct_pack({', '.join(cols)}))) as figures from docs"


def figures(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """version_id → the hash of its figures (`figures_sql`), for every document of `docs` (`load`); the drafts' and
    returned forms' (flatten.Rows.add's `as_finished`) then leave `docs`, which holds finished documents only."""
    hashed = dict(con.execute(figures_sql()).fetchall())
    con.execute("delete from docs where status not in $finished", {"finished": list(d.FINISHED_STATUSES)})
    return hashed


def reportable_sum(row: str) -> str:
    """F-03's sum for one row of amounts (`row`.fund_src_*) before its rounding to the cent: the sources not excluded
    (`excluded`), added in FUND_SOURCES order from 0 as Python's sum does."""
    terms = " + ".join(f"(case when list_contains(excluded, '{s}') then 0.0 else {row}.fund_src_{s} end)"
                       for s in d.FUND_SOURCES)  # fmt: skip
    return f"0.0 + {terms}"


def _reportable(row: str) -> str:
    """F-03 for one row of amounts: reportable_sum to the cent."""
    return f"round({reportable_sum(row)}, 2)"


def _count_scope(codes: str, scope: str) -> str:
    """How many of `codes` are partners of `scope` (INTL | HMT): the reference's codes, bound as $INTL and $HMT."""
    return f"len(list_filter({codes}, lambda c: list_contains(${scope}, c)))"


def scope_params() -> dict[str, list[str]]:
    """The reference's partner codes of each scope, for the measures' SELECT (bound, not written into the SQL)."""
    scope = load_reference().partner_scope
    return {s: sorted(c for c, v in scope.items() if v == s) for s in ("INTL", "HMT")}


def derived() -> dict[str, str]:
    """The fields the ETL computes for a unit (dictionary MEASURES marked derived: distinct counts, the project
    summary, reportable funding F-03), one SQL expression each over `docs` (the scopes bound as $INTL and $HMT)."""
    # The keys of the entries kept, not a map made of them: building maps was 20 % of the measures' SELECT.
    exchanged = "list_distinct(flatten([" + ", ".join(
        f"list_transform(list_filter(map_entries(coalesce(by_partner.{dr}_person_times, map())), "
        "lambda e: e.value > 0), lambda e: e.key)" for dr in DIRECTIONS) + "]))"  # fmt: skip
    projects = "coalesce(projects, [])"
    standards, bsp = "coalesce(standards, [])", "coalesce(big_science, [])"

    def n_projects(condition: str) -> str:
        return f"len(list_filter({projects}, lambda p: {condition}))"

    def distinct(rows: str, value: str, condition: str = "true") -> str:
        return f"len(list_distinct(list_transform(list_filter({rows}, lambda r: {condition}), lambda r: {value})))"

    return {
        "n_partner_countries_exchange": _count_scope(exchanged, "INTL"),
        "n_partner_hmt_exchange": _count_scope(exchanged, "HMT"),
        "proj_active": f"len({projects})",
        "proj_new": n_projects("p.status_in_year = 'new'"),
        "proj_completed": n_projects("p.status_in_year = 'completed'"),
        "proj_led": n_projects("p.role = 'lead'"),
        **{f"proj_by_level_{lv}": n_projects(f"p.funding_level = '{lv}'") for lv in FUNDING_LEVELS},
        "proj_fund_reportable": f"round(0.0 + coalesce(list_sum(list_transform({projects}, lambda p: {_reportable('p')})), 0.0), 2)",
        "n_partner_countries_project": _count_scope(
            f"list_distinct(flatten(list_transform({projects}, lambda p: coalesce(p.partner_codes, []))))", "INTL"),
        "fund_reportable": _reportable("funding"),
        "org_joined": distinct("coalesce(intl_orgs, [])", "[r.org_code, coalesce(r.org_name, '')]"),
        "std_total": distinct(standards, "r.standard_no"),
        "std_led": distinct(standards, "r.standard_no", "r.role = 'lead'"),
        "std_published_year": distinct(standards, "r.standard_no", "r.stage = 'published' and r.year_of_stage = survey_year"),
        "bsp_count": distinct(bsp, "r.programme_code"),
        "bsp_led": distinct(bsp, "r.programme_code", "r.role = 'initiator'"),
        "bsp_persons": f"coalesce(list_sum(list_transform({bsp}, lambda b: b.persons)), 0)",
        "bsp_fund_reportable": f"round(0.0 + coalesce(list_sum(list_transform({bsp}, lambda b: {_reportable('b')})), 0.0), 2)",
    }  # fmt: skip


def _cast(select: dict[str, str], table: str) -> str:
    """`select`'s expressions (column name → SQL), cast to the table's Parquet types, in the schema's order."""
    types = {"string": "VARCHAR", "int32": "INTEGER", "int64": "BIGINT", "double": "DOUBLE", "bool": "BOOLEAN"}
    return ",\n    ".join(f"cast({select[f.name]} as {types[str(f.type)]}) as {f.name}" for f in SCHEMAS[table])


def statements() -> dict[str, str]:
    """Each detail table's SELECT over `docs`."""
    keys = {k: k for k in KEY_NAMES}
    computed = derived()
    measures = {**keys, **{n: f"unit_profile.{n}" for n in PROFILE_TEXT},
                "has_intl_activity": "unit_profile.has_intl_activity", "has_support_policy": "policy.has_support_policy",
                **{n: computed.get(n, f"{section}.{n}") for section, n in MEASURE_SOURCES},
                "suggestions_text": "policy.suggestions_text"}  # fmt: skip
    project_counts = {"proj_active": "1", "proj_new": "(p.status_in_year = 'new')::int",
                      "proj_completed": "(p.status_in_year = 'completed')::int", "proj_led": "(p.role = 'lead')::int"}  # fmt: skip
    by_partner = " union all ".join(
        f"select {KEYS}, '{f.name}' as field, unnest(map_keys(by_partner.{f.name})) as partner_code, "
        f"unnest(map_values(by_partner.{f.name})) as value from docs"
        for f in d.TYPED_PARTNER_FIELDS
    )
    # One grouping for the four counts, then a row each: four groupings read the unnested projects four times.
    from_projects = (
        f"select {KEYS}, field, partner_code, value from (select {KEYS}, code as partner_code, "
        + ", ".join(f"sum({n}) as {name}" for name, n in project_counts.items())
        + f" from project_codes group by all) unpivot include nulls (value for field in ({', '.join(project_counts)}))"
    )
    return {
        "measures": f"select {_cast(measures, 'measures')} from docs",
        "partner_values": f"""with project_codes as (
    select {KEYS}, p, unnest(list_distinct(coalesce(p.partner_codes, []))) as code
    from (select {KEYS}, unnest(projects) as p from docs)
)
select {_cast({**keys, "field": "field", "partner_code": "partner_code", "value": "value"}, 'partner_values')}
from ({by_partner} union all {from_projects})""",
        "projects": f"""select {_cast({**keys, **{n: f"p.{n}" for n in (*PROJECT_TEXT, *PROJECT_MONEY)},
                                       "fund_reportable": _reportable("p")}, 'projects')}
from (select {KEYS}, excluded, unnest(projects) as p from docs)""",
        "project_partners": f"""select {_cast({**keys, "project_key": "p.project_key", "partner_code": "code",
                                               "org_code": "org"}, 'project_partners')}
from (select {KEYS}, p, unnest(coalesce(p.partner_codes, [])) as code, null as org
      from (select {KEYS}, unnest(projects) as p from docs)
      union all
      select {KEYS}, p, null as code, unnest(coalesce(p.org_codes, [])) as org
      from (select {KEYS}, unnest(projects) as p from docs))""",
        "orgs": f"""select {_cast({**keys, "org_code": "o.org_code", "org_name": "o.org_name"}, 'orgs')}
from (select {KEYS}, unnest(intl_orgs) as o from docs)""",
        "standards": f"""select {_cast({**keys, **{n: f"s.{n}" for n in STANDARD_COLS}}, 'standards')}
from (select {KEYS}, unnest(standards) as s from docs)""",
        "big_science": f"""select {_cast({**keys, "programme_code": "b.programme_code", "role": "b.role",
                                          "persons": "b.persons", **{f"fund_src_{s}": f"b.fund_src_{s}" for s in d.FUND_SOURCES},
                                          "fund_reportable": _reportable("b")}, 'big_science')}
from (select {KEYS}, excluded, unnest(big_science) as b from docs)""",
        "choices": " union all ".join(
            f"select {_cast({**keys, 'field': repr(name), 'value': 'v'}, 'choices')} "
            f"from (select {KEYS}, unnest(policy.{name}) as v from docs)" for name in ("policy_types", "problems")),
    }  # fmt: skip


MEMORY_BYTES = 2**30  # a spool of documents is read whole into memory (Spool keeps spools small)
# DuckDB's reader refuses a JSON object over this by default (and buffers twice the limit): no size limit applies
# to an accepted document, so the limit is raised to the longest line of a spool when that is longer.
DUCKDB_OBJECT_BYTES = 16 * 2**20


def connect(longest: int = 0, spill: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A connection for a spool of documents whose longest line is `longest` bytes; DuckDB spills to `spill`."""
    # One thread: the rows come out in the same order every time (the files', then each statement's), and
    # the checking workers have the machine's other cores.
    # DuckDB holds twice the longest object while it reads: the memory limit leaves room for a document of any size.
    memory = f"{max(MEMORY_BYTES, 4 * longest) >> 20}MB"
    settings = {"memory_limit": memory, "threads": 1} | ({"temp_directory": str(spill)} if spill else {})
    return duckdb.connect(config={**OFFLINE, **settings})


def load(con: duckdb.DuckDBPyConnection, lines: list[Path], longest: int = 0) -> None:
    """Table `docs`: the documents of `lines` (JSON Lines files of flatten.document_line, the longest line `longest`
    bytes), each with its line's number (`line`, from 0, counted across the files in order)."""
    # Numbered as read: the connection has one thread (`connect`), so the rows come in the files' order.
    con.execute(
        "create table docs as select row_number() over () - 1 as line, _version_id as version_id, "
        "_excluded as excluded, cast(survey_year as integer) as survey_year, "
        "* exclude (_version_id, _excluded, survey_year) "
        "from read_json($files, format = 'newline_delimited', columns = $columns, maximum_object_size = $max_size)",
        {
            "files": [str(p) for p in lines],
            "columns": document_columns(),
            "max_size": max(DUCKDB_OBJECT_BYTES, longest + 1),
        },
    )


def detail_tables(
    con: duckdb.DuckDBPyConnection, dropped: set[tuple[int, int, str]] | frozenset = frozenset()
) -> dict[str, pa.Table]:
    """The detail tables of `docs` (`load`) but the lines of `dropped`: (first line, last line, version id), the
    version's lines within those numbers (one spool file's, Spool.spans: the same bytes may stand in two files)."""
    if dropped:
        first, last, vid = (list(column) for column in zip(*sorted(dropped), strict=True))
        con.execute(
            "delete from docs using (select unnest($first) as first, unnest($last) as last, unnest($vid) as vid) as d "
            "where docs.version_id = d.vid and docs.line between d.first and d.last",
            {"first": first, "last": last, "vid": vid},
        )
    return {name: con.sql(sql, params=scope_params() if "$INTL" in sql else None).to_arrow_table()
            for name, sql in statements().items()}  # fmt: skip


class Spool:
    """Accepted documents' JSON lines waiting for DuckDB, in files of a folder: the checking workers write a file
    per chunk there (`folder`, intake.check_all's `spool`) and the chunk's `documents` table names it. `take` says
    when FLUSH_DOCS documents or FLUSH_BYTES wait; `batch` then reads them into DuckDB for the caller (the rules of
    etl/rule_sql.py, then the detail tables) and lets them go. A batch's files are joined into one before DuckDB reads
    them: its JSON reader has a cost per file, paid once a chunk, by the main process that the checking workers wait
    for. `spans` says which lines of the batch a file's are.

    `under`: the warehouse, whose run lock makes this run the only one there, so a folder left by a run killed on the
    spot (SIGKILL, the OOM killer) is removed at once, and the lines stay out of a /tmp that may be memory (tmpfs).
    None: a temporary folder of the system's.
    """

    FLUSH_DOCS = 20_000
    FLUSH_BYTES = 256 * 2**20
    PREFIX = "spool-"

    def __init__(self, under: Path | None = None) -> None:
        if under is not None:
            under.mkdir(parents=True, exist_ok=True)
            for left in under.glob(f"{self.PREFIX}*"):
                shutil.rmtree(left, ignore_errors=True)
        self.folder = Path(tempfile.mkdtemp(prefix=self.PREFIX, dir=under))
        self.files: list[Path] = []
        self.spans: dict[Path, tuple[int, int]] = {}  # file → its first and last line in the batch (`docs.line`)
        self.n = self.bytes = self.longest = 0

    def take(self, documents: pa.Table | None) -> Path | None:
        """Take a chunk's `documents` (None: a chunk whose worker was killed, its documents quarantined); the file
        its lines wait in (None: it has none)."""
        if documents is None or documents.num_rows == 0:
            return None
        meta = documents.schema.metadata
        path, longest = Path(meta[b"spool"].decode()), int(meta[b"longest"])
        self.files.append(path)
        self.spans[path] = (self.n, self.n + documents.num_rows - 1)  # a line a document (flatten.write_lines)
        self.longest = max(self.longest, longest)
        self.n += documents.num_rows
        self.bytes += path.stat().st_size
        return path

    @property
    def full(self) -> bool:
        """Whether enough waits to be read."""
        return self.n >= self.FLUSH_DOCS or self.bytes >= self.FLUSH_BYTES

    @contextlib.contextmanager
    def batch(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """What waits, as table `docs` (`load`) of a connection (None: nothing waits); the lines go afterwards."""
        if not self.files:
            yield None
            return
        joined = self.folder / "batch.jsonl"
        with joined.open("wb") as out:
            for path in self.files:
                with path.open("rb") as chunk:  # streamed: a chunk of very long documents is not held in memory
                    shutil.copyfileobj(chunk, out)
                path.unlink()
        con = connect(self.longest, spill=self.folder / "duckdb")
        try:
            load(con, [joined], self.longest)
            yield con
        finally:
            con.close()
            joined.unlink()
        self.files, self.spans, self.n, self.bytes, self.longest = [], {}, 0, 0, 0

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        # Workers of a run that failed may still be writing here: what they leave goes with the next run's sweep.
        shutil.rmtree(self.folder, ignore_errors=True)
