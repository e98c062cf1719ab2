"""Unstructured signals from customer messages: sentiment, tone drift, escalation language, intensity, compliance."""

from __future__ import annotations

import math

from core.models import CauseStatus
from rules.signals.base import FamilyResult, evidence, signal
from rules.signals.window import AccountWindow
from rules.thresholds import Thresholds


def text_signals(w: AccountWindow, now: float, th: Thresholds) -> FamilyResult:
    out = FamilyResult()
    recent = [m for m in w.messages if w.live(m[2], m[1], now)]
    # (id, ticket, at, label, polarity, intensity, ambiguous, quote)
    last = recent[-max(th.tone_window, 5):]
    negatives = [m for m in last if m[3] == th.negative_label]
    share = len(negatives) / len(last) if last else 0.0
    out.facts.update(customer_messages=len(recent), negative_share=round(share, 4), negative_count=len(negatives),
                     sentiment_latest=round(recent[-1][4], 4) if recent else 0.0)
    if len(negatives) >= th.negative_min_messages and share >= th.negative_share:
        clear = sum(1 for m in negatives if not m[6]) / len(negatives)
        out.signals.append(signal(
            "negative_sentiment", share, th, 0.45 + 0.4 * clear,
            f"{len(negatives)} of the last {len(last)} customer messages are negative",
            [evidence("message", m[0], m[2], m[7]) for m in negatives[-4:]]))

    drift = recent[-th.tone_window:]
    drop = 0.0
    if len(drift) == th.tone_window:
        pol = [m[4] for m in drift]
        if drift[-1][3] == th.negative_label and all(b <= a + 0.05 for a, b in zip(pol, pol[1:], strict=False)):
            drop = pol[0] - pol[-1]
    out.facts["tone_drop"] = round(drop, 4)
    if drop >= th.tone_drift_drop:
        out.signals.append(signal(
            "tone_drift", drop / 1.5, th, 0.45 + 0.2 * min(1.0, drop),
            f"tone fell by {drop:.2f} across the last {th.tone_window} customer messages",
            [evidence("message", m[0], m[2], m[7]) for m in drift]))

    _trend(out, recent, th)

    intense = [m for m in recent if m[3] != "positive" and m[5] >= th.intensity_high]
    peak = max((m[5] for m in intense), default=0.0)
    out.facts["max_intensity"] = round(max((m[5] for m in recent if m[3] != "positive"), default=0.0), 4)
    if intense:
        out.signals.append(signal(
            "emotional_intensity", peak, th, 0.5 + 0.1 * min(3, len(intense)),
            f"{len(intense)} high-intensity non-positive message(s), peak {peak:.2f}",
            [evidence("message", m[0], m[2], m[7]) for m in intense[-3:]]))

    esc = [e for e in w.escalations if w.live(e[1], e[6], now)]
    out.facts["escalation_hits"] = len(esc)
    if esc:
        phrases = sorted({e[2] for e in esc})
        out.signals.append(signal(
            "escalation_language", 0.4 + 0.2 * len(esc), th, 0.8,
            f"escalation language x{len(esc)}: " + ", ".join(f"'{p}'" for p in phrases[:5]),
            [evidence("message", e[0], e[1], e[5], (e[3], e[4])) for e in esc[-4:]], CauseStatus.confirmed))

    pricing = [x for x in w.pricing if w.live(x[1], x[3], now)]
    out.facts["pricing_mentions"] = len(pricing)

    comp = [c for c in w.compliance if w.live(c[1], c[8], now)]
    categories = sorted({c[3] for c in comp})
    out.facts.update(compliance_hits=len(comp), compliance_categories=",".join(categories))
    for category in categories:
        out.facts[f"compliance_{category}"] = True
    if comp:
        terms = sorted({c[4] for c in comp})
        out.signals.append(signal(
            "compliance_terms", 1.0, th, 0.95,
            f"compliance terms ({', '.join(categories)}): " + ", ".join(f"'{t}'" for t in terms[:6]),
            [evidence("message", c[0], c[1], c[7], (c[5], c[6])) for c in comp[-4:]], CauseStatus.confirmed))
        # The compliance rule that matched names the signal, so the brief can cite it.
        out.signals[-1] = out.signals[-1].model_copy(update={"rule_id": comp[-1][2]})
    return out


WEEK = 7 * 86_400.0


def sentiment_trend(messages: list[tuple]) -> tuple[float, float, int]:
    """(slope in polarity per week, confidence, messages) of the account's customer tone over time.

    Ordinary least squares of each message's polarity on its time. Confidence is how sure the fit is that
    the tone really moves in the slope's direction: 1 - the two-sided p-value of the slope's t statistic
    (normal approximation), shrunk for few messages (x min(1, n / 8)) because a line through four
    readings is easily bent by one. Fewer than three messages, or all at one instant: (0, 0, n).
    """
    n = len(messages)
    if n < 3:
        return 0.0, 0.0, n
    xs = [m[2] / WEEK for m in messages]
    ys = [float(m[4]) for m in messages]
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx <= 1e-9:
        return 0.0, 0.0, n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    ssr = sum((y - my - slope * (x - mx)) ** 2 for x, y in zip(xs, ys, strict=True))
    se = math.sqrt(max(ssr, 1e-12) / (n - 2) / sxx)
    t = abs(slope) / se
    confidence = (1.0 - math.erfc(t / math.sqrt(2))) * min(1.0, n / 8)
    return slope, confidence, n


def _trend(out: FamilyResult, recent: list[tuple], th: Thresholds) -> None:
    """Account-level sentiment trend over the live customer messages, with its confidence (issue 12)."""
    msgs = recent[-th.limits.recent_messages:]
    slope, confidence, n = sentiment_trend(msgs)
    out.facts.update(sentiment_trend=round(slope, 4), sentiment_trend_confidence=round(confidence, 4),
                     sentiment_trend_messages=n)
    if n >= th.trend_min_messages and slope <= -th.trend_slope and confidence >= th.trend_confidence:
        # Evidence: the earliest readings the line starts from and the latest it ends at.
        ends = list(msgs[:2]) + [m for m in msgs[-2:] if m not in msgs[:2]]
        out.signals.append(signal(
            "sentiment_trend", -slope / (2 * th.trend_slope), th, confidence,
            f"customer tone falls by {-slope:.2f} per week across {n} messages (confidence {confidence:.2f})",
            [evidence("message", m[0], m[2], m[7]) for m in ends]))
