"""What an ETL process does first when it is the command line's or a checking worker: nothing of pandas."""

from __future__ import annotations

import sys

import pyarrow as pa


class _NoPandas:
    """An import finder that makes `import pandas` fail (for as long as it is on sys.meta_path)."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas is not imported by the ETL")


def skip_pandas_probe() -> None:
    """Let pyarrow find no pandas the one time it looks, so that it does not import it for nothing.

    The first time pyarrow converts Python data (`pa.array`, `pa.table`) it imports pandas only to ask whether the
    data is a pandas object, and keeps the answer; the ETL never hands it one and never uses pandas, and importing it
    is most of what a run with nothing new, or a checking worker's start, would otherwise spend. Asked while pandas
    cannot be imported, it keeps "no pandas" for that question only: `to_pandas()` and the like still import pandas
    when called. A process that has pandas loaded already pays nothing for the question and is left as it is.
    """
    if "pandas" in sys.modules:
        return
    sys.meta_path.insert(0, _NoPandas)
    try:
        pa.array([0])  # pyarrow asks now, and keeps the answer
    finally:
        sys.meta_path.remove(_NoPandas)
