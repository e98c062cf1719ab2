"""The people who can join a swarm, and the choice of one accountable owner by skill and workload."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from core.models import Role, SupportTier

DEFAULT_ROSTER = Path(__file__).with_name("roster.yaml")

TIER_OWNER_ROLES: dict[SupportTier, tuple[Role, ...]] = {
    SupportTier.t1: (Role.support_t1, Role.support_t2),
    SupportTier.t2: (Role.support_t2, Role.support_t3),
    SupportTier.t3: (Role.support_t3, Role.support_t2),
    SupportTier.management: (Role.manager,),
}

TOPIC_WORDS = {
    "sso": ("sso", "saml", "okta", "login", "single sign"), "api": ("api", "429", "rate limit", "endpoint"),
    "webhooks": ("webhook",), "integrations": ("salesforce", "hubspot", "sync", "integration"),
    "billing": ("invoice", "billing", "charge", "refund"), "exports": ("export", "csv", "report"),
    "performance": ("slow", "latency", "timeout", "performance", "outage"),
    "permissions": ("permission", "role", "access denied"), "security": ("security", "breach", "vulnerab"),
    "gdpr": ("gdpr", "data subject", "privacy"), "renewal": ("renewal", "renew", "contract"),
    "data": ("data", "missing records", "duplicate"), "onboarding": ("onboarding", "setup", "getting started"),
}

# How a customer reads each role in a signature ("Priya Raman, Senior Support Engineer").
ROLE_TITLES: dict[Role, str] = {
    Role.support_t1: "Support Engineer", Role.support_t2: "Senior Support Engineer",
    Role.support_t3: "Escalation Engineer", Role.engineering: "Engineering", Role.csm: "Customer Success Manager",
    Role.ae: "Account Executive", Role.compliance: "Compliance", Role.manager: "Support Manager",
    Role.admin: "Customer Support",
}


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    role: Role
    skills: list[str] = Field(default_factory=list)
    capacity: int = Field(default=5, ge=1)


class Roster(BaseModel):
    model_config = ConfigDict(extra="forbid")
    people: list[Person] = Field(min_length=1)

    @classmethod
    def load(cls, path: Path | None = None) -> Roster:
        """Load and validate a roster YAML (the shipped one by default)."""
        return cls.model_validate(yaml.safe_load((path or DEFAULT_ROSTER).read_text()))

    def with_role(self, role: Role) -> list[Person]:
        return [p for p in self.people if p.role == role]


def case_topics(text: str) -> set[str]:
    """Topics a case is about, from its words (used to match skills)."""
    lowered = text.lower()
    return {topic for topic, words in TOPIC_WORDS.items() if any(re.search(re.escape(w), lowered) for w in words)}


def choose(people: list[Person], topics: set[str], workload: Counter[str]) -> Person | None:
    """Best skill match, then most spare capacity; ties broken by name for determinism."""
    available = [p for p in people if workload[p.name] < p.capacity] or people
    if not available:
        return None
    return sorted(available, key=lambda p: (-len(topics & set(p.skills)),
                                            workload[p.name] / p.capacity, p.name))[0]


def choose_owner(roster: Roster, tier: SupportTier, topics: set[str], workload: Counter[str]) -> Person:
    """The accountable owner: from the tier's roles, by skill and current workload."""
    for role in TIER_OWNER_ROLES[tier]:
        person = choose(roster.with_role(role), topics, workload)
        if person:
            return person
    raise LookupError(f"the roster has nobody who can own a {tier.value} case")
