"""The evidence table as CSV: one row per paper, for a spreadsheet.

Per column three fields: the cell's text (its spans joined by "; "), the indices of the
abstract sentences they come from, and — for an empty cell — why it is empty.
"""

from __future__ import annotations

import csv
import io

from paperchat.research.models import COLUMNS, EvidenceTable

HEADER = ["id", "title", "year", "url", "relevance"] + [
    f"{column}{suffix}" for column in COLUMNS for suffix in ("", "_sentences", "_empty_reason")
]


def table_csv(table: EvidenceTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in table.rows:
        fields = [row.id, row.title or "", row.year or "", row.url or "", row.relevance]
        for column in COLUMNS:
            cell = row.cell(column)
            sentences = ";".join(str(s.sentence) for s in cell.spans)
            fields += [cell.text or "", sentences, cell.empty_reason or ""]
        writer.writerow(fields)
    return out.getvalue()
