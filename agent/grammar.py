"""A compact GBNF grammar from a pydantic JSON schema, for llama.cpp's `grammar` request field.

llama.cpp's own json_schema conversion lets the model put newlines and indentation between tokens, and
the embedded model does: a brief came back pretty-printed, ~40% of its output tokens whitespace, which
on a CPU is ~40% of the time. This grammar admits exactly one compact JSON text of the schema (keys in
schema order, strings bounded by maxLength, arrays by min/maxItems, enums as listed). It covers the
shapes our drafting schemas use: objects, strings, string enums and arrays of those.
"""

from __future__ import annotations

import json
from typing import Any

_CHAR = r'[^"\\\x7F\x00-\x1F] | "\\" ["\\/bfnrt]'


class _Builder:
    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs
        self.rules: dict[str, str] = {"char": _CHAR}

    def rule(self, schema: dict[str, Any], name: str) -> str:
        if "$ref" in schema:
            ref = schema["$ref"].rsplit("/", 1)[-1]
            rule = f"def-{ref.lower()}"
            if rule not in self.rules:
                self.rules[rule] = ""  # reserve: a schema may refer to itself
                self.rules[rule] = self.body(self.defs[ref], rule)
            return rule
        self.rules[name] = self.body(schema, name)
        return name

    def body(self, schema: dict[str, Any], name: str) -> str:
        if "enum" in schema:
            return " | ".join(_literal(json.dumps(v)) for v in schema["enum"])
        kind = schema.get("type")
        if kind == "object":
            parts = []
            for i, (key, sub) in enumerate(schema.get("properties", {}).items()):
                value = self.rule(sub, f"{name}-{key.replace('_', '-')}")
                parts.append(f'{_literal(("," if i else "") + json.dumps(key) + ":")} {value}')
            return f'"{{" {" ".join(parts)} "}}"'
        if kind == "array":
            item = self.rule(schema.get("items", {"type": "string"}), f"{name}-item")
            low, high = schema.get("minItems", 0), schema.get("maxItems", 8)
            more = f'("," {item}){{{max(0, low - 1)},{max(0, high - 1)}}}'
            listed = f"{item} {more}"
            return f'"[" {listed} "]"' if low >= 1 else f'"[" ({listed})? "]"'
        if kind == "string":
            return f'"\\"" char{{{schema.get("minLength", 0)},{schema.get("maxLength", 60)}}} "\\""'
        raise ValueError(f"compact grammar: unsupported schema {schema}")


def _literal(text: str) -> str:
    return json.dumps(text)


def compact_grammar(schema: dict[str, Any]) -> str:
    """GBNF for one compact JSON text of `schema` (a pydantic `model_json_schema()`)."""
    builder = _Builder(schema.get("$defs", {}))
    builder.rules["root"] = builder.body(schema, "root")
    return "\n".join(f"{name} ::= {body}" for name, body in builder.rules.items())
