"""Warehouse DDL with Chinese column comments, generated from the table spec (etl/tables.py, from the dictionary)."""

from __future__ import annotations

from .tables import CORE_TABLES

# table → (comment, [(column, type, comment)]) for every core table loaded from Parquet (etl/tables.py).
TABLES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    t.name: (t.comment, [(c.name, c.sql, c.comment) for c in t.columns]) for t in CORE_TABLES
}
PARQUET_OF = {t.name: t.parquet for t in CORE_TABLES}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_statements() -> list[str]:
    """CREATE TABLE and COMMENT statements for every core table."""
    out = []
    for table, (comment, cols) in TABLES.items():
        body = ",\n    ".join(f"{name} {sql}" for name, sql, _ in cols)
        out.append(f"create table {table} (\n    {body}\n)")
        out.append(f"comment on table {table} is {_quote(comment)}")
        out += [f"comment on column {table}.{name} is {_quote(c)}" for name, _, c in cols]
    return out


def ddl_text() -> str:
    """The DDL as one SQL script, for docs/warehouse_ddl.sql."""
    head = "-- 由 etl/dictionary 生成，请勿手改（python -m etl docs）。\n-- Generated from etl/dictionary; do not edit.\n\n"
    return head + ";\n\n".join(create_statements()) + ";\n"
