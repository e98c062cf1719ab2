"""Read-only queries the HTTP surface needs, all from the store (core/store): one copy of each read."""

from __future__ import annotations

from core.store.detection import latest_assessment, risk_history
from core.store.records import AccountNotFound, accounts_by_risk, get_account, resolve_evidence

__all__ = ["AccountNotFound", "accounts_by_risk", "get_account", "latest_assessment", "resolve_evidence",
           "risk_history"]
