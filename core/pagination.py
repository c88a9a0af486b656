"""One page of a list that grows, counted in SQL."""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import Session

from .params import LARGEST_PAGE, query_int

PER_PAGE = 25


@dataclass
class Page:
    items: list[Any]
    number: int
    per_page: int
    total: int
    more: bool = False  # more than `total` match: only `total` are offered (the search ranks so many)

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
    return query_int("page", LARGEST_PAGE) or 1


# The statements paginate derives from a list's query, kept as long as that query is. A view that builds its
# query once (with bind parameters for who is asking) then builds neither again, nor SQLAlchemy's cache key
# for them, which together cost a tenth of a list page.
_DERIVED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_DERIVING = threading.Lock()


def _counted_and_paged(query: Select, counting: Select | None, key: Any) -> tuple[Select, Select]:
    found = _DERIVED.get(query)
    if found is not None and found[0] is counting and found[1] is key:
        return found[2], found[3]
    counted = query if counting is None else counting
    total = select(func.count()).select_from(counted.order_by(None).subquery())
    # Written into the SQL when run, not bound: PostgreSQL can then keep one plan per page number, where a
    # bound LIMIT left it planning the statement afresh on every request.
    paged = query.limit(bindparam("page_limit", type_=Integer, literal_execute=True)) \
        .offset(bindparam("page_offset", type_=Integer, literal_execute=True))
    if key is not None:
        paged = query.where(key.in_(paged.with_only_columns(key)))
    with _DERIVING:
        _DERIVED[query] = (counting, key, total, paged)
    return total, paged


def paginate(session: Session, query: Select, number: int | None = None, per_page: int = PER_PAGE,
             scalars: bool = True, counting: Select | None = None, key: Any = None,
             params: dict | None = None) -> Page:
    """`counting` is the same rows without the per-row extras (seat counts, say), so the total is cheap;
    `params` are the values of the query's bind parameters.

    `key` (the listed table's primary key) chooses the page by that column alone and then loads only those
    rows with their joins: with an index holding the sort columns, the choice is made from the index and the
    database reads 25 rows rather than every row that matched."""
    number = number or page_number()
    params = params or {}
    total_statement, paged = _counted_and_paged(query, counting, key)
    total = session.scalar(total_statement, params) or 0
    pages = max(1, -(-total // per_page))
    number = min(number, pages)
    params = {**params, "page_limit": per_page, "page_offset": (number - 1) * per_page}
    result = session.scalars(paged, params) if scalars else session.execute(paged, params)
    return Page(items=list(result.unique() if scalars else result), number=number, per_page=per_page, total=total)
