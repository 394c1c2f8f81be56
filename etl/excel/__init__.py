"""The survey as an Excel workbook: the template units fill (`python -m etl template`) and its reader."""
