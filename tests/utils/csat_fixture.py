"""Build tests/agent/fixtures/zendesk_csat_ratings.json: CSAT comments in Zendesk's satisfaction-rating format.

Provenance: every fragment below was hand-written for this project (issue 14) in the voice of B2B
software customers answering a satisfaction survey; no public data set, nothing from the airline file.
A comment is an optional opener, one core sentence and an optional tail, with product nouns and agent
names filled in; the rating ("good"/"bad") is the core sentence's. Many are hard for a lexicon on
purpose: polite but unresolved ("agent was polite but nothing got fixed"), sarcasm ("great, another
week without exports"), negated negatives ("no complaints", "can't fault them").
Deterministic (seed 14): ``python -m tests.utils.csat_fixture`` rewrites the file.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "agent" / "fixtures" / "zendesk_csat_ratings.json"
THINGS = ["invoice export", "SSO login", "API sync", "dashboard", "nightly backup", "CSV import", "mobile app",
          "webhook", "report builder", "billing page", "audit log", "Slack integration"]
AGENTS = ["Priya", "Tom", "Ana", "Kenji", "Marta", "Sam"]
BAD = [
    "Ticket closed without anyone actually fixing the {thing}.",
    "Had to explain the {thing} problem three times to three different people.",
    "The workaround you sent doesn't apply to our setup at all.",
    "Took {n} days to get a first reply.",
    "Marked as solved but the {thing} still fails every night.",
    "Copy-paste answer from the docs, nobody read my question.",
    "Agent was polite but nothing got resolved.",
    "Thanks for nothing.",
    "Still waiting on the engineering fix you promised last month.",
    "Great, another week without a working {thing}.",
    "You closed it while I was on holiday and the {thing} is still down.",
    "Nobody called back as promised.",
    "Why do I need to open a new ticket for the same {thing} issue?",
    "Second time this month the {thing} went down and we heard about it from our users first.",
    "Slow. Very slow.",
    "Kept asking for logs I had already attached twice.",
    "The {thing} has been broken since your last release and the answer is 'it's on the roadmap'.",
    "Bounced between support and sales for a week.",
    "I was told it would be escalated. It wasn't.",
    "We pay for premium support and got a chatbot.",
    "Answer came after we had already fixed it ourselves.",
    "{agent} tried, but your product team clearly doesn't care about the {thing}.",
    "Lost a day of work because of the {thing} and nobody even apologised.",
    "Same bug, third ticket, same canned reply.",
    "Not resolved. Please stop sending me surveys.",
    "The fix broke the {thing} in a new way.",
]
GOOD = [
    "Sorted within the hour, no fuss.",
    "{agent} went above and beyond, the {thing} works again.",
    "Clear explanation and a fix the same day.",
    "Quick and painless.",
    "Didn't expect a reply on a Sunday, much appreciated.",
    "The {thing} problem is gone, cheers.",
    "Straight to the point, solved on first contact.",
    "Took a while but they got there in the end and kept me updated.",
    "No complaints.",
    "Can't fault the support team.",
    "Not bad at all, the {thing} runs fine now.",
    "Problem gone, {agent} was patient with all my questions.",
    "{agent} spotted the misconfiguration in our {thing} in minutes.",
    "Exactly what I needed, thank you {agent}.",
    "Fast, friendly and the {thing} is back.",
    "Helpful walkthrough of the {thing} settings.",
    "Nice to talk to someone who knows the product.",
    "Resolved before our morning stand-up.",
    "You fixed it faster than our own IT could have.",
    "Good follow-up, even checked back the next day.",
    "{agent} explained why the {thing} failed, which helps us next time.",
    "Easy. Ten out of ten.",
    "Honest answer about the limitation and a workaround that works for us.",
    "Thanks, all working on our side.",
]
OPENERS = ["", "", "", "Hi, ", "Honestly, ", "To be fair, ", "Overall: ", "FYI ", "Well. "]
TAILS = ["", "", "", " Thanks.", " Regards.", " That's all.", " See ticket history.", " -- sent from mobile"]


def comments(n: int, seed: int = 14) -> list[tuple[str, str]]:
    """(rating, comment) pairs, half good, half bad, in random order."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        rating = "bad" if i % 2 == 0 else "good"
        core = rnd.choice(BAD if rating == "bad" else GOOD).format(
            thing=rnd.choice(THINGS), agent=rnd.choice(AGENTS), n=rnd.choice(["three", "four", "five", "six"]))
        out.append((rating, f"{rnd.choice(OPENERS)}{core}{rnd.choice(TAILS)}".strip()))
    rnd.shuffle(out)
    return out


def build(n: int = 300) -> dict:
    ratings = []
    for i, (score, comment) in enumerate(comments(n), start=1):
        day = 1 + i % 28
        stamp = f"2026-10-{day:02d}T{8 + i % 10:02d}:{i % 60:02d}:00Z"
        ratings.append({"id": 7700000000000 + i, "requester_id": None, "ticket_id": 90000 + i, "score": score, "comment": comment,
                        "created_at": stamp, "updated_at": stamp})
    # Ratings without a usable comment, as real exports have: skipped by the labeller, not errors.
    ratings.append({"id": 7700000099999, "ticket_id": 99999, "requester_id": None, "score": "good", "comment": None,
                    "created_at": "2026-10-30T09:00:00Z", "updated_at": "2026-10-30T09:00:00Z"})
    return {"satisfaction_ratings": ratings, "next_page": None, "previous_page": None, "count": len(ratings)}


if __name__ == "__main__":
    doc = build()
    lines = ",\n".join(json.dumps(r) for r in doc["satisfaction_ratings"])
    OUT.write_text('{"satisfaction_ratings": [\n' + lines + '\n], "next_page": null, "previous_page": null, '
                   f'"count": {doc["count"]}}}\n', encoding="utf-8")
