"""PII redaction before any model call: emails, phones, cards (Luhn), IBANs (mod-97), street addresses.

Values become numbered placeholders (`[EMAIL_1]`); the same value keeps the same placeholder across all
texts of one `Redactor`, and `restore` puts values back only where a human reads the result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

PLACEHOLDER_RE = re.compile(r"\[(EMAIL|PHONE|CARD|IBAN|ADDRESS)_(\d+)\]")

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
# Cards: 13-19 digits, optionally grouped by single spaces or dashes; confirmed by the Luhn check.
_CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
# IBAN: country code, check digits, then 11-30 alphanumerics, compact or in groups of four.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)\b", re.IGNORECASE)
_PHONE = re.compile(
    r"""(?<![\w+])(?:
        \+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}   # +44 20 7946 0958, +1-415-555-0100
      | \(\d{3}\)[ .-]?\d{3}[ .-]\d{4}                                       # (415) 555-0100
      | \d{3}[.-]\d{3}[.-]\d{4}                                               # 415-555-0100
      | \d{3}\ \d{3}\ \d{4}                                                   # 415 555 0100
      | 0\d{2,4}[ /-]\d{3,4}[ -]?\d{3,4}                                      # 030 1234567, 020 7946 0958
    )(?![\w-])""",
    re.VERBOSE,
)
_STREET_WORDS = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Square|Sq"
    r"|Terrace|Parkway|Pkwy|Highway|Hwy|Close|Crescent"
)
_ADDRESS = re.compile(
    rf"""(?:
        \b\d{{1,5}}[A-Za-z]?\ (?:[A-Z][A-Za-z'-]+\ ){{1,4}}(?:{_STREET_WORDS})\b\.?       # 221B Baker Street
          (?:,?\ (?:Suite|Ste|Apt|Unit|Floor)\.?\ ?\#?\w{{1,6}})?
      | \b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm)\ \d{{1,4}}[a-z]?\b  # Hauptstraße 5
      | \b\d{{1,4}},?\ (?:rue|avenue|boulevard|bd|place|chemin|quai|impasse)\ (?:[\w'-]+\ ?){{1,5}}     # 12 rue de la Paix
    )""",
    re.VERBOSE,
)


def luhn_valid(digits: str) -> bool:
    """Luhn checksum over a string of digits (separators already removed)."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616 mod-97 check (spaces ignored, case-insensitive)."""
    iban = candidate.replace(" ", "").upper()
    if not (15 <= len(iban) <= 34 and iban[:2].isalpha() and iban[2:4].isdigit() and iban.isalnum()):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _iban_prefix(value: str) -> str | None:
    """The longest valid IBAN at the start of `value` (a match may run into following words)."""
    groups = value.split(" ")
    for end in range(len(groups), 0, -1):
        candidate = " ".join(groups[:end])
        if iban_valid(candidate):
            return candidate
    return None


def _card(value: str) -> str | None:
    d = _digits(value)
    return value if 13 <= len(d) <= 19 and luhn_valid(d) else None


def _phone(value: str) -> str | None:
    return value if 7 <= len(_digits(value)) <= 15 else None


def _whole(value: str) -> str | None:
    return value


def _normalise(kind: str, value: str) -> str:
    if kind in ("CARD", "IBAN", "PHONE"):
        return re.sub(r"[^0-9A-Za-z+]", "", value).upper()
    return value.casefold()


@dataclass(frozen=True)
class _Detector:
    kind: str
    pattern: re.Pattern[str]
    accept: Callable[[str], str | None]  # the part of a match that is really PII, or None


# Order matters: an IBAN or a card number must not be half-eaten by the phone pattern.
_DETECTORS: tuple[_Detector, ...] = (
    _Detector("EMAIL", _EMAIL, _whole),
    _Detector("IBAN", _IBAN, _iban_prefix),
    _Detector("CARD", _CARD, _card),
    _Detector("PHONE", _PHONE, _phone),
    _Detector("ADDRESS", _ADDRESS, _whole),
)


@dataclass
class Redactor:
    """Stateful redactor: one per model call so placeholders are consistent across all its texts."""

    mapping: dict[str, str] = field(default_factory=dict)
    _by_value: dict[tuple[str, str], str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def redact(self, text: str) -> str:
        # Customer text that already looks like a placeholder could hijack `restore`; defang it.
        text = PLACEHOLDER_RE.sub(lambda m: f"({m.group(1)}_{m.group(2)})", text)
        for det in _DETECTORS:
            text = det.pattern.sub(lambda m, d=det: self._replace(d, m.group(0)), text)
        return text

    def _replace(self, det: _Detector, value: str) -> str:
        found = det.accept(value)
        return value if found is None else self._placeholder(det, found) + value[len(found):]

    def _placeholder(self, det: _Detector, value: str) -> str:
        key = (det.kind, _normalise(det.kind, value))
        if key not in self._by_value:
            n = self._counts.get(det.kind, 0) + 1
            self._counts[det.kind] = n
            placeholder = f"[{det.kind}_{n}]"
            self._by_value[key] = placeholder
            self.mapping[placeholder] = value
        return self._by_value[key]


def redact(text: str) -> tuple[str, dict[str, str]]:
    """Redact one text; returns the redacted text and placeholder -> original value."""
    redactor = Redactor()
    return redactor.redact(text), redactor.mapping


def restore(text: str, mapping: Mapping[str, str]) -> str:
    """Put original values back into `text`; only for output a human reads, never for a model."""
    return PLACEHOLDER_RE.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
