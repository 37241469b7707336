"""``report.md``: a :class:`~chainnet.report.document.Document` as Markdown, every text escaped."""

from __future__ import annotations

import re
from typing import Any

from .document import Document, Figure, Heading, Paragraph, Table


def _text(x: Any) -> str:
    """A value as one line of plain text (lists joined by ';', line breaks folded to spaces)."""
    if x is None or (isinstance(x, float) and x != x):
        return ""
    if isinstance(x, (list, tuple)):
        x = ";".join(map(str, x))
    return " ".join(str(x).splitlines())


#: Characters that start Markdown syntax inline: escaped with a backslash (CommonMark, GFM tables).
#: ``_`` is escaped only at a word's edge: inside a word (``firm_id``) it cannot start emphasis.
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*[]|#!~"})
_MD_UNDERSCORE = re.compile(r"(?<!\w)_|_(?!\w)")


def md_escape(x: Any) -> str:
    """Text that shows as itself in Markdown: HTML escaped, Markdown specials backslashed, one line.

    Firm and cluster names come from user data; a name can neither open an HTML tag, a link,
    code or emphasis, nor break a table row.

    >>> md_escape("<script>x</script> | `y` *z* _w_ firm_id\\nnext")
    '&lt;script&gt;x&lt;/script&gt; \\\\| \\\\`y\\\\` \\\\*z\\\\* \\\\_w\\\\_ firm_id next'
    """
    text = _MD_UNDERSCORE.sub(r"\\_", _text(x).translate(_MD_SPECIAL))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_markdown(doc: Document) -> str:
    """The report as Markdown; every text from the data is escaped (:func:`md_escape`)."""
    lines: list[str] = []
    for b in doc.blocks:
        if isinstance(b, Heading):
            lines += ["#" * b.level + " " + md_escape(b.text), ""]
        elif isinstance(b, Paragraph):
            lines += [md_escape(b.text), ""]
        elif isinstance(b, Table):
            df = b.df
            lines.append("| " + " | ".join(md_escape(c) for c in df.columns) + " |")
            lines.append("|" + "---|" * len(df.columns))
            lines += ["| " + " | ".join(md_escape(v) for v in row) + " |" for row in df.itertuples(index=False)]
            lines.append("")
        elif isinstance(b, Figure):
            lines += [f"![{md_escape(b.caption)}](figures/{b.name}.png)", ""]
    return "\n".join(lines)

