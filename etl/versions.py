"""The two fingerprints of the ETL's code, derived from what it generates: nothing to bump by hand.

- `etl_version()`: what judges and flattens a document. A new value starts a new generation (etl/run.py): every
  document is validated again under the new rules and stored in the new shapes.
- `build_version()`: what shapes the database from the same Parquet. It names the database file and is stored in
  meta_build: a run with nothing new rebuilds a file made by other code, and the dashboard warns while one is served.

Each hashes the texts the code generates from the data dictionary (JSON Schema, DDL, Parquet schemas, rule
catalogue, mart SQL), so a dictionary edit moves both, plus the source of the modules that do the work, so a
change of logic does too (as owid/etl's `checksum_input` hashes a step's inputs and code).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import dictionary as d

ETL_DIR = Path(__file__).parent
# Modules (and packages) whose source decides what a document becomes: its problems, its rows, its shapes.
# (The registry, reference data and survey settings they read have fingerprints of their own: etl/run.py.)
VALIDATION_SOURCES = ("dictionary", "excel", "config.py", "doc_rules.py", "flatten.py", "hierarchy.py", "intake.py",
                      "listing.py", "problems.py", "reference.py", "schema.py", "tables.py", "validate.py")  # fmt: skip
# ... and what decides the database made from those rows.
BUILD_SOURCES = ("build.py", "ddl.py", "invariants.py", "marts.py", "patch.py", "sql")


def etl_version() -> str:
    """16 hex digits over the JSON Schema, the Parquet schemas, the DDL, the rule catalogue, the dictionary's fields
    and the validation modules' source."""
    from . import ddl, flatten, schema

    return _digest(
        json.dumps(schema.json_schema(), ensure_ascii=False, sort_keys=True),
        repr(flatten.SCHEMAS),
        ddl.ddl_text(),
        repr(d.GROUPS),
        repr(d.RULES),
        repr(d.REASONS),
        *_sources(VALIDATION_SOURCES),
    )


def build_version() -> str:
    """8 hex digits over etl_version(), the mart SQL (the files and the SQL generated from the dictionary), the
    invariants' queries and the build modules' source."""
    from . import invariants, marts

    return _digest(
        etl_version(),
        marts.rollup_sql(),
        marts.refs_sql("cur_basis", "b.survey_year = $year"),
        marts.additive_sql("patch_signed_basis", "true", "b.sign", only=marts.UP_TO_L2),
        *invariants.queries("patch_check_keys").values(),
        *_sources(BUILD_SOURCES),
    )[:8]


def _sources(names: tuple[str, ...]) -> list[str]:
    """The text of each named module, or of every .py and .sql file below a named folder, in a fixed order."""
    out = []
    for name in names:
        path = ETL_DIR / name
        files = sorted(p for p in path.rglob("*") if p.suffix in (".py", ".sql")) if path.is_dir() else [path]
        out += [f"{p.relative_to(ETL_DIR)}\n{p.read_text(encoding='utf-8')}" for p in files]
    return out


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:16]
