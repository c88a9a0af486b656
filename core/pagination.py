"""One page of a list that grows, counted in SQL."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

PER_PAGE = 25


@dataclass
class Page:
    items: list[Any]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def paginate(session: Session, query: Select, number: int | None = None, per_page: int = PER_PAGE,
             scalars: bool = True, counting: Select | None = None, key: Any = None) -> Page:
    """`counting` is the same rows without the per-row extras (seat counts, say), so the total is cheap.

    `key` (the listed table's primary key) chooses the page by that column alone and then loads only those
    rows with their joins: with an index holding the sort columns, the choice is made from the index and the
    database reads 25 rows rather than every row that matched."""
    number = number or page_number()
    counted = query if counting is None else counting
    total = session.scalar(select(func.count()).select_from(counted.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    number = min(number, pages)
    paged = query.limit(per_page).offset((number - 1) * per_page)
    if key is not None:
        paged = query.where(key.in_(paged.with_only_columns(key)))
    result = session.scalars(paged) if scalars else session.execute(paged)
    return Page(items=list(result.unique() if scalars else result), number=number, per_page=per_page, total=total)
