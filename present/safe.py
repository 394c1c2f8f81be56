"""Names are data, never markup: unit and account names (and any submitted text) shown as the characters they are.

Two renderers read markup in text we hand them. Streamlit's Markdown (st.markdown, captions, alerts, widget labels,
tooltips, metric labels) turns `**x**` into bold, `[x](url)` into a link, `$x$` into LaTeX and a bare address into an
autolink. Plotly turns `<a href>`, `<b>`, `<br>` and `<span>` in every label, title, hover text and annotation into
SVG markup (and kaleido's exports keep it). So text from data passes through `md()` on its way into Markdown and
through `label()` on its way into a figure; our own strings (titles, notes) around it stay markup.
"""

from __future__ import annotations

import html
import re
import string

# CommonMark lets any ASCII punctuation be backslash-escaped, and an escaped character is always literal. Escaping
# them all (not just * _ [ ] ( )) also covers LaTeX ($), Streamlit's colour and icon directives (:red[…],
# :material/…:), tables (|) and HTML (<, >), whatever the renderer supports next year.
_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# GFM's autolinks are found in the parsed text, after escapes are resolved: a bare web address (http:, www.) or a@b.c
# becomes a link even when every character of it is escaped (seen in Chromium). An invisible WORD JOINER inside each pattern
# (after "http:", "www", "@") keeps it text; the name reads the same.
_AUTOLINK = re.compile(r"(?i)(https?:(?=//)|www(?=\.)|@)")
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """`text` for a Markdown context, shown literally on one line (line breaks become spaces, no autolinks)."""
    one_line = _LINE_BREAKS.sub(" ", str(text))
    return _MD_SPECIAL.sub(r"\\\1", _AUTOLINK.sub(rf"\1{WORD_JOINER}", one_line))


def label(text: object) -> str:
    """`text` for a plotly string (tick label, bar or hover text, legend, title, annotation), shown literally.

    Plotly decodes the entities `&lt;` `&gt;` `&amp;` once, after it has read its own tags, so the name prints as
    typed and no tag in it is obeyed. Use it on values that plotly inserts too: `%{y}` in a hovertemplate puts the
    category into the hover label as HTML. Line breaks become spaces (plotly would do the same).
    """
    return html.escape(_LINE_BREAKS.sub(" ", str(text)), quote=False)


def labels(values):
    """`label()` of every text value of a column or list; numbers and missing values stay as they are."""

    def one(v: object) -> object:
        return label(v) if isinstance(v, str) else v

    return values.map(one) if hasattr(values, "map") else [one(v) for v in values]


def template_text(text: object) -> str:
    """`label(text)` for the literal part of a plotly hovertemplate/texttemplate: `%{…}` in a name stays text."""
    return label(text).replace("%", "&#37;")


def unlabel(text: object) -> object:
    """The original text of a `label()`: a figure's labels turned back into data (chart data downloads)."""
    return html.unescape(text) if isinstance(text, str) else text
