"""Exports for policy reports: chart images, CSV/XLSX tables, the Word report pack and the stamped summary."""
