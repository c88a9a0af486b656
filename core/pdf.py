"""Documents people download: a PDF drawn by WeasyPrint from an HTML page that fetches nothing from outside
itself, and the response that hands a file over without it being kept in a shared cache."""
from __future__ import annotations

from flask import Response


def _refuse(url: str) -> None:
    raise ValueError(f"A downloaded document fetches nothing from outside itself ({url[:60]})")


def as_pdf(html: str) -> bytes:
    # Imported when first needed: WeasyPrint loads Pango, which no other page uses.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class FetchNothing(URLFetcher):
        def fetch(self, url, headers=None):
            _refuse(url)

    return HTML(string=html, url_fetcher=FetchNothing()).write_pdf()


def download(body, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                      "Cache-Control": "no-store"})
