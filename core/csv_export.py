"""CSV downloads: spreadsheet formula injection defused in every cell."""
from __future__ import annotations

import csv
import io
from typing import Iterable

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Spreadsheets run cells that start with these characters as formulas; a leading ' keeps them as text."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
