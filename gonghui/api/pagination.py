"""The one pagination of the API's lists: `page` and `page_size` with bounds in the schema.

A page size above the maximum is refused (422 `invalid`), not quietly cut: a client that asks
for 1,000 rows and gets 100 would believe it saw everything. A page past the last one is an
empty page; a page number so large that its offset would overflow the database's integer is
refused like any other out-of-range number.
"""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE_SIZE = 100
# (page - 1) * page_size stays far below 2**31 - 1, the smallest integer either database
# takes for an OFFSET.
MAX_PAGE = 1_000_000


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(
            None,
            ge=1,
            le=MAX_PAGE_SIZE,
            description=f"Rows per page, at most {MAX_PAGE_SIZE}; default: the list's own.",
        )

    def __init__(self, page_size: int = 50, **kwargs: Any) -> None:
        super().__init__(page_size=page_size, max_page_size=MAX_PAGE_SIZE, **kwargs)
