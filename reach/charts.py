"""Bar charts drawn on the server as SVG: readable without JavaScript, no inline styles (the CSP refuses
them), and always shown beside a table of the same figures for screen readers."""
from __future__ import annotations

from markupsafe import Markup, escape

LABEL_WIDTH, BAR_WIDTH, ROW_HEIGHT, GAP = 260, 300, 26, 8


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, float | None, str]]) -> Markup:
    """rows: (label, value or None when suppressed, the text shown at the end of the bar)."""
    largest = max((value for _, value, _ in rows if value), default=0)
    height = len(rows) * (ROW_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + 120
    parts = [f'<svg class="reach-chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-title" '
             f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-title">{escape(title)} (the same figures are in the table)</title>']
    for n, (label, value, shown) in enumerate(rows):
        y = GAP + n * (ROW_HEIGHT + GAP)
        length = round(BAR_WIDTH * (value or 0) / largest) if largest else 0
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 18}" text-anchor="end" class="reach-chart__label">'
                     f'{escape(label)}</text>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{ROW_HEIGHT}" class="reach-chart__bar"/>')
        parts.append(f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 18}" class="reach-chart__value">{escape(shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
