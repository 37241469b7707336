"""``report.html``: a self-contained page (figures and a Chinese font subset embedded, no outside requests)."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

from .document import Document, Figure, Heading, Paragraph, Table
from .render_md import _text

_CSS = """
body{font-family:"chainnet CJK","Helvetica Neue",Arial,"Noto Sans","DejaVu Sans",sans-serif;
max-width:1400px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.7em;border-bottom:2px solid #333}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:1em 0;font-size:.9em;display:block;overflow-x:auto}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top;white-space:nowrap}
td.long{white-space:normal;min-width:28em}th{background:#f2f2f2}
tr:nth-child(even) td{background:#fafafa}figure{margin:1em 0}img{max-width:100%;height:auto}
figcaption{color:#555;font-size:.9em}
"""


def _doc_text(doc: Document) -> str:
    out = []
    for b in doc.blocks:
        if isinstance(b, (Heading, Paragraph)):
            out.append(b.text)
        elif isinstance(b, Figure):
            out.append(b.caption)
        elif isinstance(b, Table):
            out += [_text(c) for c in b.df.columns]
            out += [_text(v) for row in b.df.itertuples(index=False) for v in row]
    return "".join(out)


def embedded_font_css(text: str) -> str:
    """An @font-face rule carrying Noto Sans CJK SC cut down to the characters of ``text``.

    Readers without a Chinese font (many Linux machines, some e-mail viewers) would see boxes;
    the subset is small (tens of kB) because a report uses a few hundred distinct characters.
    """
    chars = {ch for ch in text if ord(ch) > 0x2E7F}
    if not chars:
        return ""
    from fontTools import subset

    from ..viz._style import cjk_font_path

    opts = subset.Options()
    opts.flavor = None
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    font = subset.load_font(str(cjk_font_path()), opts)
    try:  # the font reads its file lazily: close it, or the handle outlives the call
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=sorted(ord(c) for c in chars | set("0123456789%.,:;()-+ ")))
        sub.subset(font)
        buf = io.BytesIO()
        font.save(buf)
    finally:
        font.close()
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return ('@font-face{font-family:"chainnet CJK";font-display:block;'
            "unicode-range:U+2E80-9FFF,U+F900-FAFF,U+FE30-FE4F,U+FF00-FFEF;"
            f'src:url(data:font/otf;base64,{data}) format("opentype");}}')


def _td(v: Any) -> str:
    text = _text(v)
    cls = ' class="long"' if len(text) > 30 else ""
    return f"<td{cls}>{html.escape(text)}</td>"


def render_html(doc: Document, folder: Path) -> str:
    """A self-contained page: figures and the Chinese font subset embedded, no outside requests."""
    css = embedded_font_css(_doc_text(doc)) + _CSS
    parts = [f'<!DOCTYPE html>\n<html lang="{"zh-CN" if doc.lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">',
             f"<title>{html.escape(doc.title)}</title>",
             f"<style>{css}</style>\n</head>\n<body>"]
    for b in doc.blocks:
        if isinstance(b, Heading):
            parts.append(f"<h{b.level}>{html.escape(b.text)}</h{b.level}>")
        elif isinstance(b, Paragraph):
            parts.append(f"<p>{html.escape(b.text)}</p>")
        elif isinstance(b, Table):
            df = b.df
            head = "".join(f"<th>{html.escape(_text(c))}</th>" for c in df.columns)
            rows = "".join("<tr>" + "".join(_td(v) for v in row) + "</tr>" for row in df.itertuples(index=False))
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(b, Figure):
            png = folder / "figures" / f"{b.name}.png"
            data = base64.b64encode(png.read_bytes()).decode("ascii")
            parts.append(f'<figure id="fig-{b.name}"><img alt="{html.escape(b.caption)}" data-figure="{b.name}" '
                         f'src="data:image/png;base64,{data}"><figcaption>{html.escape(b.caption)}</figcaption></figure>')
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)
