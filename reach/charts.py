"""Bar charts for the dashboard: readable without JavaScript, with no inline styles (the CSP refuses them), and
always shown beside a table of the same figures for screen readers.

Labels, values and the axis are HTML text, so they are the page's own size at any width (an SVG of the whole
chart shrank its text to a few pixels on a phone); only each bar is a small SVG, stretched to its track, as
an SVG's width attribute is the one length the CSP lets the server set. On a phone each label sits above
its bar."""
from __future__ import annotations

import math

from markupsafe import Markup, escape


def nice_top(largest: float) -> float:
    """The axis's end: 1, 2 or 5 times a power of ten, at or above the largest value, so its ticks are round."""
    if largest <= 0:
        return 1
    power = 10 ** math.floor(math.log10(largest))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= largest)


def _tick(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, float | None, str]], axis: str,
              top: float | None = None) -> Markup:
    """rows: (label, value or None when suppressed, the text shown at the end of the bar). `axis` names what
    the bars measure; `top` fixes the axis's end (100 for a percentage), otherwise a round number is chosen."""
    top = top or nice_top(max((value for _, value, _ in rows if value), default=0))
    parts = [f'<figure class="reach-chart" id="{chart_id}" aria-labelledby="{chart_id}-title">',
             f'<figcaption class="reach-chart__title" id="{chart_id}-title">{escape(title)}'
             '<span class="nhsuk-u-visually-hidden"> (the same figures are in the table below)</span></figcaption>',
             '<div class="reach-chart__plot" aria-hidden="true">']
    for label, value, shown in rows:
        share = 0 if not value else min(100.0, 100 * value / top)
        parts.append(f'<div class="reach-chart__row"><span class="reach-chart__label">{escape(label)}</span>'
                     f'<span class="reach-chart__track"><svg class="reach-chart__bar" viewBox="0 0 100 1" '
                     f'preserveAspectRatio="none" focusable="false"><rect width="{share:.1f}" height="1"/></svg>'
                     f'</span><span class="reach-chart__value">{escape(shown)}</span></div>')
    parts.append(f'<div class="reach-chart__row reach-chart__axis"><span class="reach-chart__label"></span>'
                 f'<span class="reach-chart__ticks"><span>0</span><span>{_tick(top / 2)}</span>'
                 f'<span>{_tick(top)}</span></span><span></span></div>'
                 f'<p class="reach-chart__axis-title">{escape(axis)}</p></div></figure>')
    return Markup("".join(parts))
