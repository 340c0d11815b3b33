"""Free text written by staff is reviewed before it is released (GDPR Art. 15(4), 20(4)).

The copy of a person's data "shall not adversely affect the rights and freedoms of
others" (Art. 15(4); legal-rules.md R17). Notes that customer service writes in a case
may name a neighbour, a co-habitant or whoever called on the customer's behalf, and the
portal cannot tell. So a connector names, per category, the fields that hold such text
(`Connector.review_fields`; for the SQL connector the category's `"review"` list in the
system's configuration), and the register extract and the data export never release
those values unreviewed:

- each non-empty value is replaced by a marker, and the file says why and that the
  customer gets the rest separately;
- staff of the company get one checklist task per request, system and category
  (`ManualTask` action "review", due by the request's deadline): read the texts in the
  system, remove what concerns others, send the customer the rest as a message in the
  case, and note what was held back and why. Holding something back is a partial refusal
  the request is then closed with, with its reasons (Art. 12(4); R8, R17).

The values themselves never enter the portal's database: the task holds the field names,
the number of rows and their keys (the case numbers) only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext, ngettext

DEFAULT_DUE_DAYS = 5


@dataclasses.dataclass
class Withheld:
    """What one block of rows had held back for review."""

    fields: list[str]
    rows: int = 0
    # The rows' keys (the first column of a read query, e.g. the case number), for staff to
    # find them in the system; at most MAX_KEYS.
    keys: list[str] = dataclasses.field(default_factory=list)


MAX_KEYS = 50


def for_category(connector, category: str) -> Withheld | None:
    """What of the category staff read before it is released, if anything."""
    names = connector.review_fields(category) if hasattr(connector, "review_fields") else []
    return Withheld(list(names)) if names else None


def withheld_rows(rows: Iterable[dict], withheld: Withheld, marker: str) -> Iterator[dict]:
    """Yield the rows with every non-empty value of `withheld.fields` replaced by `marker`.

    Counts the rows that had such a value in `withheld.rows` and notes their keys.
    """
    names = withheld.fields
    for row in rows:
        hidden = [n for n in names if row.get(n) not in (None, "")]
        if hidden:
            if len(withheld.keys) < MAX_KEYS:
                withheld.keys.append(str(next(iter(row.values()))))
            row = {**row, **dict.fromkeys(hidden, marker)}
            withheld.rows += 1
        yield row


def marker() -> str:
    """The text that stands in a table or file in place of a value under review."""
    return gettext("[reviewed first, sent separately]")


def customer_note(count: int) -> str:
    """What the extract or export tells the customer about `count` rows under review."""
    return ngettext(
        "%(n)d text written by our staff may also concern other people. We review it "
        "first and send you what it says about you separately, as a message in your case "
        "(Article 15(4) GDPR).",
        "%(n)d texts written by our staff may also concern other people. We review them "
        "first and send you what they say about you separately, as a message in your case "
        "(Article 15(4) GDPR).",
        count,
    ) % {"n": count}


def file_task(
    request, system, category: str, withheld: Withheld, *, connector=None, category_name: str = ""
):
    """File (once per request, system and category) the staff task to review the texts.

    Returns (task, created). Records `review.due` in the request's trail when filed.
    `connector` gives the fields' descriptions for the instructions.
    """
    from datamap.models import ManualTask
    from rights_requests import workflow

    def instructions() -> str:
        with translation.override(settings.LANGUAGE_CODE):  # staff work in the site language
            described = dict(connector.fields(category)) if connector is not None else {}
            return gettext(
                "Read the fields %(fields)s of %(category)s in %(system)s for this customer "
                "(%(rows)s: %(keys)s). Remove what concerns other people (Art. 15(4) GDPR) and "
                "send the customer the rest as a message in the case. In the note, write "
                "what you sent and what you held back and why; if you held anything back, "
                "complete the request as partially granted with the reasons (Art. 12(4))."
            ) % {
                "fields": ", ".join(f"{described.get(n) or n} ({n})" for n in withheld.fields),
                "category": category_name or category,
                "system": system.name,
                "rows": ngettext("%(n)s row", "%(n)s rows", withheld.rows) % {"n": withheld.rows},
                "keys": ", ".join(withheld.keys)
                + (" …" if withheld.rows > len(withheld.keys) else ""),
            }

    with transaction.atomic():
        task, created = ManualTask.file_once(
            due_in_days=DEFAULT_DUE_DAYS,
            make_instructions=instructions,
            details={
                "fields": list(withheld.fields),
                "rows": withheld.rows,
                "keys": list(withheld.keys),
            },
            request=request,
            subject=request.subject,
            legal_entity=request.legal_entity,
            system=system,
            category=category,
            action=ManualTask.Action.REVIEW,
        )
        if created:
            workflow.record_event(
                request,
                "review.due",
                data={"system": system.code, "category": category, "rows": withheld.rows},
            )
    return task, created
