"""What a process that is the ETL's alone (the command line's, a checking worker) does first: keep pandas out."""

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
    """Let pyarrow find no pandas the first time it looks, so that it does not import it for nothing.

    The first time pyarrow converts Python data (`pa.array`, `pa.table`) it imports pandas only to learn about pandas'
    objects; the ETL never hands it one and never uses pandas, and importing it is most of what a run with nothing new,
    or a checking worker's start, would otherwise spend. Only for a process that never uses pandas: after this call,
    pyarrow in this process works as if pandas were not installed (its C++ side keeps what it found at this first look
    for good), so pandas data handed to it later would be converted wrongly or not at all. A process that has pandas
    loaded already is left as it is.
    """
    if "pandas" in sys.modules:
        return
    sys.meta_path.insert(0, _NoPandas)
    try:
        pa.array([0])  # pyarrow looks now, in Python and in C++, and keeps what it found
    finally:
        sys.meta_path.remove(_NoPandas)
