"""How figures are presented, on screen and in print: number formats, labels and units, chart builders, safe text.

Both the dashboard (ui/, pages/) and the exports (reports/) import it; it imports neither of them, nor Streamlit.
"""
