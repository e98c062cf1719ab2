"""The `redaccount` command line."""

from api.cli.main import app

__all__ = ["app"]
