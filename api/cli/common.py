"""Shared CLI plumbing: settings, console, error reporting."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from core.settings import Settings

if TYPE_CHECKING:
    from product import Product

console = Console()
err_console = Console(stderr=True)


def load_settings(**overrides: object) -> Settings:
    """Build the one Settings object; a bad value is a clear error, not a traceback."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            err_console.print(f"[red]configuration error[/red] REDACCOUNT_{field.upper()}: {error['msg']}")
        raise typer.Exit(2) from None


@contextmanager
def opened_product(settings: Settings | None = None, **build: Any) -> Iterator[Product]:
    """The product for one command, closed after it; a rule file that fails validation is a clear error."""
    from agent.sentiment import ReaderError
    from product import build_product
    from rules.risk_model import RiskModelError
    from rules.schema import RuleError
    from rules.thresholds import ThresholdsError

    try:
        product = build_product(settings or load_settings(), **build)
    except (RuleError, ThresholdsError, RiskModelError) as exc:
        err_console.print(f"[red]the rule set failed validation; nothing started:[/red]\n{exc}")
        raise typer.Exit(2) from None
    except ReaderError as exc:
        err_console.print(f"[red]the sentiment reader could not be loaded; nothing started:[/red] {exc}")
        raise typer.Exit(2) from None
    try:
        yield product
    finally:
        product.close()


@contextmanager
def fail_cleanly(*errors: type[BaseException]) -> Iterator[None]:
    """Turn expected errors into a red message and exit code 1."""
    try:
        yield
    except errors as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        sys.exit(1)
