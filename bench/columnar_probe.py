"""What checking by columns would cost a document, beside what today's per-document check costs (#22, 第四轮).

`python bench/columnar_probe.py --inbox IN [--json OUT]` reads the batch files (JSON Lines) of an inbox twice, in
this one process, and prints CPU µs per document for each stage:

- today: `intake.check_all` in-process (parse, schema, the 33 rules, header rows, figures hash), etl/rule_sql.py's
  query and the detail tables made by `flatten_sql` from the accepted documents' spool, as `etl run` does;
- the probe: the strict type gate in Python (`fast_schema.decode` + sha256, as today's fast path), then DuckDB over
  the lines that passed: a typed read, one predicate per numeric field of every section plus the rules' other
  shapes (sums across a section, by-partner sums against totals, lambdas over the projects), the flat tables
  (partner values, projects, project partners, the wide measures row), a figures hash, and the fetch as Arrow.

It is a probe, not a checker: its predicates have the rules' shapes and count, not their texts or thresholds,
and nothing is written anywhere. DuckDB cannot be the type gate itself: its JSON reader casts "12" to 12,
rounds 1.5 to 2 and ignores unknown keys (`lenient_casts` shows it), so the strict decode stays in Python.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl import config, fast_schema, flatten_sql, intake, reference, rule_sql  # noqa: E402
from etl import dictionary as d  # noqa: E402


def predicates() -> list[str]:
    """One predicate per numeric section field, and the shapes the other rules take."""
    out = [f"{g.key}.{f.name} > unit_profile.staff_total * 1000" for g in d.SECTIONS if g.in_document
           for f in g.fields if f.kind in ("int", "money") and g.key != "unit_profile"]  # fmt: skip
    src = " + ".join(f"funding.fund_src_{s}" for s in d.FUND_SOURCES)
    p_src = " + ".join(f"p.fund_src_{s}" for s in d.FUND_SOURCES)
    return out + [
        f"abs(funding.fund_total_all - ({src})) > 0.011",
        "exchange.out_person_days > exchange.out_person_times * 366",
        "(unit_profile.unit_type = 'enterprise') <> (unit_profile.enterprise_ownership is not null)",
        "coalesce(list_sum(map_values(by_partner.out_person_times)), 0) <> exchange.out_person_times",
        "coalesce(list_sum(map_values(by_partner.in_person_times)), 0) <> exchange.in_person_times",
        f"len(list_filter(projects, lambda p: abs(p.fund_total_contract - ({p_src})) > 0.011)) > 0",
        "len(list_filter(projects, lambda p: p.start_date > p.end_date)) > 0",
        "len(projects) <> len(list_distinct(list_transform(projects, lambda p: p.project_key)))",
        "not regexp_full_match(unit_profile.uscc, '[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}')",
    ]


class Clock:
    """CPU seconds per stage (this process, DuckDB's threads included)."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}

    def __call__(self, stage: str, fn, *args):
        start = time.process_time()
        result = fn(*args)
        self.cpu[stage] = self.cpu.get(stage, 0.0) + time.process_time() - start
        return result


def today(inbox: Path, files: list[Path]) -> int:
    """Today's check of every document of `files`, in this process, with etl/rule_sql.py's query and the detail
    tables over its spool (as `etl run` does, but for checking again the few documents the query names); returns
    how many documents came back."""
    ref = reference.load()
    recipe = intake.ContextRecipe(inbox / intake.REGISTRY_FILE, ref, config.load(None), dt.date.today())
    items = [intake.InboxFile(str(f.relative_to(inbox)), f.stat().st_size, f.stat().st_mtime_ns) for f in files]
    n = 0

    def flush() -> None:
        with spool.batch() as docs:
            if docs is not None:
                rule_sql.suspects(docs, ref)
                flatten_sql.detail_tables(docs)

    with flatten_sql.Spool() as spool:
        for out, tables in intake.check_all(inbox, items, recipe, frozenset(), "probe", 1, spool.folder):
            spool.take(tables["documents"])
            n += len(out)
            if spool.full:
                flush()
        flush()
    return n


def gate(files: list[Path], into: Path) -> tuple[int, int]:
    """Lines that pass the strict decode, written to `into`; (documents, passed)."""
    n = passed = 0
    with into.open("wb") as out:
        for f in files:
            for line in f.read_bytes().split(b"\n"):
                if not line.strip():
                    continue
                n += 1
                hashlib.sha256(line).hexdigest()
                if fast_schema.decode(line) is not None:
                    passed += 1
                    out.write(line + b"\n")
    return n, passed


def probe(con: duckdb.DuckDBPyConnection, lines: Path, clock: Clock) -> dict[str, int]:
    """The DuckDB stages over the lines that passed the gate; the rows of each table made."""
    run = con.execute
    clock(
        "duckdb: typed read",
        run,
        "create table docs as select row_number() over () as rid, * "
        "from read_json($f, format = 'newline_delimited', columns = $c)",
        {"f": str(lines), "c": flatten_sql.document_columns()},
    )
    cases = ", ".join(f"case when {p} then {i} end" for i, p in enumerate(predicates()))
    clock(
        "duckdb: predicates",
        run,
        f"create table findings as select rid, unnest(list_filter([{cases}], "
        "lambda x: x is not null)) as rule from docs",
    )
    partner_values = " union all ".join(
        f"select rid, '{f.name}' as field, unnest(map_keys(by_partner.{f.name})) as partner_code, "
        f"unnest(map_values(by_partner.{f.name}))::double as value from docs"
        for f in d.TYPED_PARTNER_FIELDS
    )
    sections = ", ".join(f"unnest({g.key})" for g in d.SECTIONS if g.in_document and g.key != "policy")
    flat = {"partner_values": partner_values,
            "projects": "select rid, unnest(projects, recursive := true) from docs",
            "project_partners": "select rid, p.project_key, unnest(p.partner_codes) as partner_code "
                                "from (select rid, unnest(projects) as p from docs)",
            "measures": f"select rid, {sections} from docs"}  # fmt: skip
    for name, sql in flat.items():
        clock("duckdb: flat tables", run, f"create table {name} as {sql}")
    figures = ", ".join(
        k
        for k in flatten_sql.document_columns()
        if not k.startswith("_") and k not in {f.name for f in d.HEADER.fields}
    )
    clock(
        "duckdb: figures hash (md5 of JSON)",
        run,
        f"create table figures as select rid, md5(to_json(struct_pack({figures}))) as figures from docs",
    )
    rows = {}
    for name in (*flat, "findings", "figures"):
        rows[name] = clock("duckdb: fetch as Arrow", lambda t: con.table(t).arrow().read_all().num_rows, name)
    return rows


def lenient_casts(con: duckdb.DuckDBPyConnection, folder: Path) -> list[tuple]:
    """What DuckDB's typed JSON read makes of "12", 1.5 and an unknown key (why it cannot be the type gate)."""
    f = folder / "lenient.jsonl"
    f.write_text('{"a": "12"}\n{"a": 1.5}\n{"a": 3, "unknown": 9}\n', encoding="utf-8")
    return con.execute("select a from read_json($f, format = 'newline_delimited', columns = {'a': 'BIGINT'})",
                       {"f": str(f)}).fetchall()  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inbox", type=Path, required=True)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    files = sorted(args.inbox.rglob(f"*{intake.BATCH_SUFFIX}"))
    clock = Clock()
    n_today = clock("today: check_all + flatten_sql, one process", today, args.inbox, files)
    with tempfile.TemporaryDirectory() as tmp:
        n, passed = clock("gate: sha256 + strict decode (Python)", gate, files, Path(tmp) / "passed.jsonl")
        con = duckdb.connect(config={"threads": 2})
        rows = probe(con, Path(tmp) / "passed.jsonl", clock)
        lenient = lenient_casts(con, Path(tmp))
    per_doc = {stage: round(cpu / n * 1e6, 1) for stage, cpu in clock.cpu.items()}
    probe_total = round(sum(v for k, v in per_doc.items() if not k.startswith("today")), 1)
    result = {"documents": n, "checked_today": n_today, "passed_gate": passed, "predicates": len(predicates()),
              "rows": rows, "cpu_us_per_doc": per_doc, "probe_total_us_per_doc": probe_total,
              "duckdb_reads_as_bigint": [r[0] for r in lenient]}  # fmt: skip
    for stage, us in per_doc.items():
        print(f"{stage:42s} {us:8.1f} µs/份")
    print(f"{'probe total':42s} {probe_total:8.1f} µs/份（{passed:,} / {n:,} 份过了类型闸，其余照旧逐份校验）")
    print(f'DuckDB 把 "12"、1.5、带未知键的 3 读成 {result["duckdb_reads_as_bigint"]}')
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
