"""Same-issue follow-ups after resolution (FCR): a customer writing again about the same problem."""

from __future__ import annotations

import re
from datetime import datetime

from core.models import AuthorSide, Message
from core.store.records import account_messages
from graph.context import WorkflowContext

_WORD = re.compile(r"[a-z0-9]{3,}")
_STOP = frozenset("the and for you your with this that have has are was were our not but any can from "
                  "will just what when there been they them then than into about would could should".split())


def _terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of content words (0..1)."""
    ta, tb = _terms(a), _terms(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


def _is_confirmation(ctx: WorkflowContext, text: str) -> bool:
    # "Thanks, that fixed it" on the same ticket is the opposite of a failed first contact.
    if ctx.sentiment is None:
        return False
    (result,) = ctx.sentiment.predict([text])
    return result.label == "positive" and not result.ambiguous


def find_followup(ctx: WorkflowContext, account_id: str, case_text: str, ticket_ids: set[str],
                  since: datetime, until: datetime, threshold: float = 0.12) -> Message | None:
    """The first customer message after `since` on the same ticket or about the same issue, unless it
    is a clear confirmation that the problem is solved."""
    for message in account_messages(ctx.engine, account_id, since=since, until=until, limit=200):
        if message.author_side != AuthorSide.customer:
            continue
        same_issue = message.ticket_id in ticket_ids or similarity(message.text, case_text) >= threshold
        if same_issue and not _is_confirmation(ctx, message.text):
            return message
    return None
