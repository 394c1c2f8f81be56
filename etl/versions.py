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

import ast
import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from . import dictionary as d

ETL_DIR = Path(__file__).parent
# What decides what a document becomes (its problems, its rows, its shapes): intake.py, flatten_sql.py (the detail
# tables' rows, made in the main process), rule_sql.py (the query that clears documents of rules there) and every
# module of the package they import, found by reading the imports (etl/tables.py, the dictionary, …), so a module
# added later is fingerprinted without being listed. (The registry, reference data and survey settings they read have
# fingerprints of their own: etl/run.py.)
VALIDATION_ROOTS = ("intake.py", "flatten_sql.py", "rule_sql.py")
# ... and what decides the database made from those rows: the build, the patch, everything they import (the ledger
# and Parquet store, the table spec, the marts, the invariants) and the SQL they run.
BUILD_ROOTS = ("build.py", "patch.py", "sql")


# Inside `frozen()`: the fingerprints computed so far (None outside)
_FROZEN: dict[str, str] | None = None


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """Within it each fingerprint is computed once: a run asks for them several times (to judge, name, patch and
    record), and the code and the dictionary do not change while it runs (the JSON Schema alone took 0.03 s a time)."""
    global _FROZEN
    outer, _FROZEN = _FROZEN, {}
    try:
        yield
    finally:
        _FROZEN = outer


def _once(name: str, compute: Callable[[], str]) -> str:
    if _FROZEN is None:
        return compute()
    if name not in _FROZEN:
        _FROZEN[name] = compute()
    return _FROZEN[name]


def etl_version() -> str:
    """16 hex digits over the JSON Schema, the Parquet schemas, the DDL, the rule catalogue, the dictionary's fields
    and the validation modules' source."""
    return _once("etl", _etl_version)


def _etl_version() -> str:
    from . import ddl, flatten, schema

    return _digest(
        json.dumps(schema.json_schema(), ensure_ascii=False, sort_keys=True),
        repr(flatten.SCHEMAS),
        ddl.ddl_text(),
        repr(d.GROUPS),
        repr(d.RULES),
        repr(d.REASONS),
        *_sources(validation_files()),
    )


def build_version() -> str:
    """8 hex digits over etl_version(), the mart SQL (the files and the SQL generated from the dictionary), the
    invariants' queries and the build modules' source."""
    return _once("build", _build_version)


def _build_version() -> str:
    from . import invariants, marts

    return _digest(
        etl_version(),
        marts.rollup_sql(),
        marts.refs_sql("cur_basis", "b.survey_year = $year"),
        marts.additive_sql("patch_signed_basis", "true", "b.sign", only=marts.UP_TO_L2),
        *invariants.prepared(),
        *invariants.queries(patch=True).values(),
        *_sources(build_files()),
    )[:8]


def validation_files() -> tuple[Path, ...]:
    """The source files etl_version() hashes."""
    return _imported(VALIDATION_ROOTS)


def build_files() -> tuple[Path, ...]:
    """The source files build_version() hashes beside etl_version() (the validation files are in that already)."""
    validation = set(validation_files())
    return tuple(p for p in _imported(BUILD_ROOTS) if p not in validation)


def _imported(roots: tuple[str, ...]) -> tuple[Path, ...]:
    """The .py and .sql files below the named files and folders of etl/, and every module of etl they import
    (at the top or inside a function), transitively; in a fixed order."""
    seen: set[Path] = set()
    todo = [f for name in roots for f in _files(ETL_DIR / name)]
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo += _local_imports(path)
    return tuple(sorted(seen))


def _files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.suffix in (".py", ".sql")) if path.is_dir() else [path]


def _local_imports(path: Path) -> list[Path]:
    """The modules of etl that the Python file `path` imports relatively (and the packages they sit in).

    Kept per file while its size and modification time stay the same: a run asks for the fingerprints several
    times (to name, patch and record its database), and parsing every module took 0.15 s of CPU each time.
    """
    if path.suffix != ".py":
        return []
    stat = path.stat()
    key = (path, stat.st_mtime_ns, stat.st_size)
    if (known := _IMPORTS.get(key)) is None:
        known = _IMPORTS[key] = _parsed_imports(path)
    return list(known)


_IMPORTS: dict[tuple[Path, int, int], tuple[Path, ...]] = {}


def _parsed_imports(path: Path) -> tuple[Path, ...]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = path.parent
            for _ in range(node.level - 1):
                base = base.parent
            names = [node.module] if node.module else [a.name for a in node.names]
            for name in names:
                target = base.joinpath(*name.split("."))
                for candidate in (target.with_suffix(".py"), target / "__init__.py"):
                    if candidate.is_file():
                        out.append(candidate)
    # A module in a subpackage runs the package's __init__ first.
    out += [p / "__init__.py" for p in path.parents if ETL_DIR in p.parents and (p / "__init__.py").is_file()]
    return tuple(out)


def _sources(files: tuple[Path, ...]) -> list[str]:
    """The text of each file, named by its path below etl/."""
    return [f"{p.relative_to(ETL_DIR)}\n{p.read_text(encoding='utf-8')}" for p in files]


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:16]
