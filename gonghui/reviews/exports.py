"""The review mechanism's files: the scores workbook and the tally log as CSV."""

import csv
import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from gonghui.core.text import spreadsheet_text
from gonghui.reviews import queries
from gonghui.reviews.models import Call

LOG_COLUMNS = ["seq", "candidate", "receipt", "cast_at", "prev_hash", "hash", "set_aside"]


def scores_workbook(call: Call) -> bytes:
    """Every juror's score on every criterion with comments, and the ranking."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = str(_("Scores"))
    criteria = queries.list_criteria(call)
    sheet.append(
        [
            str(_("Entry")),
            str(_("Unit")),
            str(_("Juror")),
            *[c.name for c in criteria],
            str(_("Comment")),
        ]
    )
    for row in queries.score_rows(call):
        sheet.append(
            [
                spreadsheet_text(row.entry_title),
                row.unit,
                row.juror,
                *[row.values.get(c.pk) for c in criteria],
                spreadsheet_text(row.comment),
            ]
        )
    ranked = book.create_sheet(str(_("Ranking")))
    ranked.append(
        [str(_("Rank")), str(_("Entry")), str(_("Unit")), str(_("Jury score")), str(_("Decision"))]
    )
    for r in queries.jury_ranking(call):
        score = round(r.jury_score, 6) if r.jury_score is not None else None
        ranked.append(
            [
                r.rank,
                spreadsheet_text(r.entry.title),
                r.entry.org.name,
                score,
                str(r.entry.get_decision_display()),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def tally_log_csv(entries: list[dict[str, Any]]) -> str:
    """The published tally log, one ballot a line, as anyone may download and recount it."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LOG_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(entries)
    return out.getvalue()
