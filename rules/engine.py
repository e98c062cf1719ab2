"""The durable-rules adapter: the only module that imports durable_rules.

Measured constraints of durable-rules 2.0.28 shape this module (see DESIGN.md section 4):
- more than 1,024 sessions per ruleset crash the process, so every evaluation uses the one default
  session: assert a fact with a unique `id`, collect what fired, retract it;
- its regex cannot be trusted for keywords: besides the 64 KiB limit and `(a|b)` alternation, the
  pattern `.* data protection officer .*` does NOT match " data protection officer data protection "
  (a complete match followed by a restart of the literal fails; every variant of the trailing `.*`
  fails the same way; pinned in tests/rules/test_engine_durable_quirks.py). So keywords are matched by
  equality, which durable-rules hashes exactly: the normalised text's distinct token n-grams that
  begin with some term's first token (n up to the longest such term) are asserted as facts
  `{"gram": ...}`, one rule per term; which hits stand in their context is then decided by the
  YAML's contexts (rules/compliance_context.py);
- a condition on the `id` field hangs it (measured here), so the always-firing sentinel tests `seq`;
- exceptions inside actions are swallowed, so actions only record and errors are re-raised here;
- no GIL release, global state and timer threads: one host per process, no timer threads, one lock;
- a ruleset of more than about 510 rules never finishes compiling (measured: 510 term rules 0.1 s, 520
  still compiling after 15 s), so the term rules are split into shards of at most TEXT_RULES_PER_SET,
  by a term's first token: every asserted n-gram goes to the one shard that holds the terms starting
  with its first token, so sharding adds no assertions.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from typing import Any

from durable import engine as durable_engine

from rules.compliance_context import apply_contexts
from rules.decisions import ComplianceHit, Decisions, decide
from rules.loader import RuleSet, load_ruleset
from rules.reference import sort_hits
from rules.schema import Condition, EngineError, Scalar
from rules.text import candidate_ngrams, find_padded, normalise

SENTINEL = "__evaluated__"
BATCH = 512
_REGEX_SPECIAL = frozenset("%.*+?|()[]{}^$\\")
TEXT_RULES_PER_SET = 400
_COMPARATORS = {"ne": "$neq", "gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}


class _Host(durable_engine.Host):
    # Actions run synchronously inside assert_fact; the dispatch timer threads are never needed.
    def _run(self) -> None:
        return None


class _Collector:
    """What the current (locked) evaluation saw fire; actions write here and nothing else."""

    def __init__(self) -> None:
        self.seqs: range = range(0)
        self.fired: set[str] = set()
        self.sentinels = 0
        self.errors: list[BaseException] = []

    def reset(self, seqs: range) -> None:
        self.seqs, self.fired, self.sentinels, self.errors = seqs, set(), 0, []

    def action(self, name: str) -> Any:
        def record(context: Any) -> None:
            try:
                seq = context.m["seq"]
                if seq not in self.seqs:
                    raise EngineError(f"rule {name} fired for fact {seq} outside evaluation {self.seqs}")
                if name == SENTINEL:
                    self.sentinels += 1
                self.fired.add(name)
            except BaseException as exc:  # durable-rules would swallow it; keep it for the caller
                self.errors.append(exc)

        return record


_LOCK = threading.Lock()
_SEQ = itertools.count(1)
_COLLECTOR = _Collector()
_HOST: _Host | None = None
_REGISTERED: set[str] = set()


def escape_regex(text: str) -> str:
    """Escape `text` for durable-rules' regex dialect, where `%` is the escape character."""
    return "".join(f"%{char}" if char in _REGEX_SPECIAL else char for char in text)


def regex_matches(pattern: str, texts: list[str]) -> list[bool]:
    """Whether durable-rules' `matches` accepts each text: pins its regex quirks in tests, so an
    upgrade that fixes them can be detected before keyword matching moves back to regex."""
    name = f"ra_probe_{hashlib.sha256(pattern.encode()).hexdigest()[:12]}"
    with _LOCK:
        host = _host()
        if name not in _REGISTERED:
            rule = {"all": [{"m": {"$mt": {"text": pattern}}}], "run": _COLLECTOR.action("match")}
            host.register_rulesets({name: {"match": rule, SENTINEL: _sentinel()}})
            _REGISTERED.add(name)
        return ["match" in _fire(name, {"text": text}) for text in texts]


def _host() -> _Host:
    """The process's one host; call with _LOCK held."""
    global _HOST
    if _HOST is None:
        _HOST = _Host()
    return _HOST


def compile_condition(condition: Condition) -> dict[str, Any]:
    """A validated, threshold-resolved condition as a durable-rules JSON expression on one fact."""
    if condition.all is not None or condition.any is not None:
        children = [compile_condition(c) for c in (condition.all or condition.any or [])]
        if len(children) == 1:
            return children[0]
        return {"$and" if condition.all is not None else "$or": children}
    fact, op, value = condition.fact or "", condition.op, condition.value
    if op == "eq":
        return {fact: value}
    if op == "is_true":
        return {fact: True}
    if op == "is_false":
        return {fact: False}
    if op in ("in", "not_in"):
        items = [{fact: item} if op == "in" else {"$neq": {fact: item}} for item in value]  # type: ignore[union-attr]
        return items[0] if len(items) == 1 else {"$or" if op == "in" else "$and": items}
    return {_COMPARATORS[str(op)]: {fact: value}}


def _sentinel() -> dict[str, Any]:
    return {"all": [{"m": {"$ex": {"seq": 1}}}], "run": _COLLECTOR.action(SENTINEL)}


def compile_ruleset(ruleset: RuleSet) -> dict[str, dict[str, Any]]:
    """durable-rules definitions: one ruleset per rule kind plus one for compliance text."""
    definitions: dict[str, dict[str, Any]] = {}
    for kind, rules in ruleset.rules.items():
        body = {r.id: {"all": [{"m": compile_condition(r.when)}], "run": _COLLECTOR.action(r.id)} for r in rules}
        definitions[f"ra_{kind}_{ruleset.version}"] = {**body, SENTINEL: _sentinel()}
    shards, count = text_shards(ruleset.terms)
    for index in range(count):
        text_rules = {
            term.key: {"all": [{"m": {"gram": term.normalised}}], "run": _COLLECTOR.action(term.key)}
            for term in ruleset.terms if shards[term.normalised.split(" ")[0]] == index
        }
        definitions[f"ra_text{index}_{ruleset.version}"] = {**text_rules, SENTINEL: _sentinel()}
    return definitions


def text_shards(terms: Any, limit: int = TEXT_RULES_PER_SET) -> tuple[dict[str, int], int]:
    """(first token -> shard index, number of shards): terms sharing a first token share a shard, and
    no shard holds more than `limit` term rules (durable-rules hangs compiling a ruleset past ~510)."""
    firsts: dict[str, int] = {}
    for term in terms:
        first = term.normalised.split(" ")[0]
        firsts[first] = firsts.get(first, 0) + 1
    count = max(1, -(-len(terms) // limit))
    while True:
        shards = {first: int(hashlib.sha1(first.encode()).hexdigest(), 16) % count for first in firsts}
        sizes = [0] * count
        for first, n in firsts.items():
            sizes[shards[first]] += n
        if max(sizes) <= limit:
            return shards, count
        count += 1


def _fire(name: str, payload: dict[str, Any]) -> frozenset[str]:
    """Assert one fact, collect what fired, retract it. Call with _LOCK held."""
    return _fire_batch(name, [payload])


def _fire_batch(name: str, payloads: list[dict[str, Any]]) -> frozenset[str]:
    """Assert facts in one call, collect what fired, retract them. Call with _LOCK held."""
    assert _HOST is not None
    first = next(_SEQ)
    facts = [{**payload, "id": first + i, "seq": first + i} for i, payload in enumerate(payloads)]
    for _ in range(len(payloads) - 1):
        next(_SEQ)
    _COLLECTOR.reset(range(first, first + len(payloads)))
    try:
        _HOST.assert_facts(name, facts)
    except Exception as exc:
        raise EngineError(f"durable-rules failed to assert into {name}: {exc!r}") from exc
    fired, errors, sentinels = set(_COLLECTOR.fired), list(_COLLECTOR.errors), _COLLECTOR.sentinels
    try:
        _HOST.retract_facts(name, facts)
    except Exception as exc:
        raise EngineError(f"durable-rules failed to retract from {name}: {exc!r}") from exc
    if errors:
        raise EngineError(f"an action failed inside durable-rules ({name}): {errors[0]!r}") from errors[0]
    if sentinels != len(facts):
        raise EngineError(f"durable-rules evaluated {sentinels} of {len(facts)} facts in {name}")
    return frozenset(fired - {SENTINEL})


class RuleEngine:
    """Evaluates a RuleSet with durable-rules; thread-safe, one shared host per process."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self._terms = {term.key: term for term in ruleset.terms}
        self._by_written = {(term.rule_id, term.term): term for term in ruleset.terms}
        # Only token runs that start like a term are asserted (first token -> longest such term): with
        # hundreds of terms in seven languages, asserting every run up to the longest term cost ~3x.
        self._starts: dict[str, int] = {}
        for term in ruleset.terms:
            words = term.normalised.split(" ")
            self._starts[words[0]] = max(self._starts.get(words[0], 0), len(words))
        definitions = compile_ruleset(ruleset)
        self._names = {name.split("_")[1]: name for name in definitions}
        self._shard_of, _ = text_shards(ruleset.terms)
        # Facts no condition of a kind reads cannot change what fires; sending fewer fields is cheaper.
        self._used = {
            kind: frozenset(leaf.fact or "" for rule in rules for leaf in rule.when.leaves())
            for kind, rules in ruleset.rules.items()
        }
        with _LOCK:
            host = _host()
            new = {name: body for name, body in definitions.items() if name not in _REGISTERED}
            if new:
                try:
                    host.register_rulesets(new)
                except Exception as exc:
                    raise EngineError(f"durable-rules refused the compiled rule set: {exc!r}") from exc
                _REGISTERED.update(new)

    def fire(self, kind: str, facts: dict[str, Scalar]) -> frozenset[str]:
        """Rule ids of `kind` that fire on complete, checked `facts`."""
        payload = {name: value for name, value in facts.items() if name in self._used[kind]}
        with _LOCK:
            return _fire(self._names[kind], payload)

    def evaluate(self, facts: dict[str, Any]) -> Decisions:
        return decide(self.ruleset, facts, self.fire)

    def match_text(self, text: str) -> list[ComplianceHit]:
        """Compliance hits in `text` that stand in their context, with spans and quotes from the original
        text. Terms are matched here by durable-rules; the YAML's contexts then decide which hits stand
        (rules/compliance_context.py, shared with the reference evaluator)."""
        norm = normalise(text)
        grams = candidate_ngrams(norm.text, self._starts)
        by_shard: dict[int, list[str]] = {}
        for gram in grams:
            by_shard.setdefault(self._shard_of[gram.split(" ", 1)[0]], []).append(gram)
        keys: set[str] = set()
        for shard, chosen in sorted(by_shard.items()):
            for start in range(0, len(chosen), BATCH):
                with _LOCK:
                    keys |= _fire_batch(self._names[f"text{shard}"], [{"gram": g} for g in chosen[start : start + BATCH]])
        hits: list[ComplianceHit] = []
        for key in sorted(keys):
            term = self._terms[key]
            starts = list(find_padded(norm.text, term.normalised))
            if not starts:
                raise EngineError(f"durable-rules matched {term.term!r} ({key}) but the text has no such token")
            for begin_norm in starts:
                begin, end = norm.original_span(begin_norm, begin_norm + len(term.normalised))
                hits.append(
                    ComplianceHit(
                        rule_id=term.rule_id, category=term.category, term=term.term,
                        span=(begin, end), quote=text[begin:end],
                    )
                )
        return apply_contexts(text, sort_hits(hits), self._by_written, self.ruleset.contexts)


def engine_for(rules_dir: str | None = None, thresholds_file: str | None = None) -> RuleEngine:
    """A RuleEngine for the rule set at `rules_dir` (default: shipped); the product builds one at its root."""
    return RuleEngine(load_ruleset(rules_dir, thresholds_file))


def match_stdin_text(text: str, rules_dir: str | None = None, thresholds_file: str | None = None) -> list[dict[str, Any]]:
    """Compliance hits for the CLI, as JSON-able dicts stamped with the rule-set version."""
    engine = engine_for(rules_dir, thresholds_file)
    return [{**hit.model_dump(mode="json"), "ruleset_version": engine.ruleset.version} for hit in engine.match_text(text)]
