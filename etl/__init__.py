"""ISTC Analytics ETL: survey submissions (JSON) → validated Parquet → one published DuckDB warehouse."""
