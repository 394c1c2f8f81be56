"""Accepted documents as the checking workers hand them on: their header rows (submissions, warnings) and their JSON,
one line each, from which etl/flatten_sql.py makes the detail tables; and the Parquet schema of every table."""

from __future__ import annotations

from typing import BinaryIO

import msgspec
import numpy as np
import pyarrow as pa

from . import dictionary as d
from .problems import Problem
from .tables import CORE_TABLES, KEY_COLUMNS

# The Arrow schema of every table the ETL writes to Parquet comes from the table spec (etl/tables.py), which
# makes the warehouse DDL from the same columns.
SCHEMAS: dict[str, pa.Schema] = {t.parquet: t.arrow_schema() for t in CORE_TABLES}


# Where each column of `measures` comes from, in the schema's order: (section, field) typed in the document,
# or (None, field) derived by the ETL (flatten_sql.derived: what it computes wins over what was typed, fund_reportable).
MEASURE_SOURCES = tuple((None if f.derived else d.section_of(f.name).key, f.name) for f in d.MEASURES)
# Tables filled here, a row (tuple) per document or finding; the detail tables are made in DuckDB (etl/flatten_sql.py)
# from the documents' JSON.
ROW_TABLES = ("submissions", "warnings")
STANDARD_COLS = tuple(SCHEMAS["standards"].names[len(KEY_COLUMNS) :])
# What a parent's approval (or return) changes in a re-export of the same revision: the rest is the submission itself.
STATUS_FIELDS = frozenset({"status", "approved_at", "reviewer_account_id"})
NOT_FIGURES = STATUS_FIELDS | {"submission_id"}  # what may differ between two versions of one submission
DOCUMENTS = pa.schema([("version_id", pa.string()), ("line", pa.large_binary())])
_ENCODE = msgspec.json.Encoder().encode


class Rows:
    """Row buffers for the header tables and the accepted documents' JSON; `add` takes one document, `tables` hands
    back Arrow tables: submissions, warnings and `documents` (one JSON line per finished document, for flatten_sql).

    Rows are tuples in schema order and become columns once, in `tables`: appending to a list per column
    through keyword arguments took 40 % of the time a document spends in a checking worker.
    """

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple]] = {t: [] for t in (*ROW_TABLES, "documents")}

    def add(
        self,
        doc: dict,
        *,
        version_id: str,
        source_file: str,
        run_id: str,
        excluded: frozenset[str],
        warnings: list[Problem],
        text: bytes | None = None,
        as_finished: dict | None = None,
    ) -> None:
        """Append one accepted document (drafts contribute their header only); `text` is validate.Checked.text.

        A draft's or returned form's figures read as a finished document's (`as_finished`, validate.as_finished) go
        to the spool with its own status: flatten_sql hashes their figures, and leaves them out of the detail tables.
        """
        account_id, year = doc["account_id"], doc["survey_year"]
        keys = (version_id, account_id, year)
        get = doc.get
        self.rows["submissions"].append((
            *keys, doc["revision"], doc["status"], doc["submission_id"], doc["account_level"], get("parent_account_id"),
            get("submitted_at"), get("approved_at"), get("reviewer_account_id"), get("reports_municipal_funds"),
            source_file, run_id, len(warnings), sorted(excluded),
        ))  # fmt: skip
        self.rows["warnings"] += [(*keys, w.code, w.severity, w.path, None if w.value is None else str(w.value),
                                   w.message_zh, w.message_en) for w in warnings]  # fmt: skip
        if doc["status"] in d.FINISHED_STATUSES:
            self.rows["documents"].append((version_id, document_line(doc, text, version_id, excluded)))
        elif as_finished is not None:
            line = document_line(as_finished | {"status": doc["status"]}, None, version_id, excluded)
            self.rows["documents"].append((version_id, line))

    def tables(self) -> dict[str, pa.Table]:
        """The buffered rows as Arrow tables with the declared schemas (the row tuples become one struct array in
        C++: a Python tuple per column took 40 % longer)."""
        out = {}
        for name, schema in (*((t, SCHEMAS[t]) for t in ROW_TABLES), ("documents", DOCUMENTS)):
            rows = pa.array(self.rows[name], pa.struct(schema))
            out[name] = pa.Table.from_struct_array(rows) if rows else schema.empty_table()
        return out


def document_line(doc: dict, text: bytes | None, version_id: str, excluded: frozenset[str]) -> bytes:
    """A finished document's JSON as one line (with its line break), led by what flatten_sql reads beside it:
    _version_id and _excluded.

    The bytes it came in are used as they are (less surrounding whitespace) when the strict decode took them (`text`)
    and they hold no line break; otherwise (a pretty-printed file, a workbook, a document the slow path took) the
    document is written out.
    """
    body = None if text is None else text.strip()  # a file's final line break is no reason to write it out again
    if body is None or b"\n" in body or b"\r" in body:
        body = _ENCODE(doc)
    head = b'{"_version_id":"' + version_id.encode() + b'","_excluded":' + _ENCODE(sorted(excluded)) + b","
    return head + body[1:] + b"\n"


def write_lines(lines: pa.ChunkedArray, f: BinaryIO) -> int:
    """Write document_line's lines (each ends in a line break) as they lie in Arrow's buffers; the longest's length."""
    longest = 0
    for chunk in lines.chunks:
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[chunk.offset : chunk.offset + len(chunk) + 1]
        f.write(memoryview(chunk.buffers()[2])[offsets[0] : offsets[-1]])
        longest = max(longest, int(np.diff(offsets).max()) if len(chunk) else 0)
    return longest
