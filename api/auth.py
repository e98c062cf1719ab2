"""Authentication: API keys (header) for the JSON API, a signed session cookie (plus CSRF) for pages.

Keys live in a YAML file mapping key -> {actor, role}; a key may be stored as `sha256:<hex>` so the
file need not hold secrets. Without a configured file, development keys are generated once into the
data dir (mode 0600) and their location is logged: there are no default secrets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import yaml
from fastapi import Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.models import Role
from core.settings import Settings
from core.store.sessions import is_revoked, revoke_session

log = logging.getLogger("redaccount.auth")

SESSION_COOKIE = "ra_session"
LOGIN_CSRF_COOKIE = "ra_login_csrf"
SESSION_TTL_S = 8 * 3600
MIN_KEY_LENGTH = 24


class AuthConfigError(Exception):
    """The API key file is missing or invalid."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the actor recorded on every decision, and the role that bounds what they may do."""

    actor: str
    role: Role
    key_id: str


class _KeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: str = Field(min_length=1, max_length=200)
    role: Role


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class KeyRegistry:
    """API keys by SHA-256 digest (lookups never compare raw secrets)."""

    def __init__(self, principals: dict[str, Principal], source: Path):
        self._by_digest = principals
        self.source = source

    @classmethod
    def load(cls, path: Path) -> KeyRegistry:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise AuthConfigError(f"cannot read API keys file {path}: {exc}") from None
        if isinstance(raw, dict) and set(raw) == {"keys"}:
            raw = raw["keys"]
        if not isinstance(raw, dict):
            raise AuthConfigError(f"{path}: expected a mapping of key -> {{actor, role}}")
        principals: dict[str, Principal] = {}
        for key, value in raw.items():
            key = str(key)
            try:
                entry = _KeyEntry.model_validate(value)
            except ValidationError as exc:
                raise AuthConfigError(f"{path}: entry for key {key[:6]}...: {exc.errors()[0]['msg']}") from None
            if key.startswith("sha256:"):
                digest = key.removeprefix("sha256:").lower()
            elif len(key) < MIN_KEY_LENGTH:
                raise AuthConfigError(f"{path}: key {key[:4]}... is shorter than {MIN_KEY_LENGTH} characters")
            else:
                digest = _digest(key)
            principals[digest] = Principal(actor=entry.actor, role=entry.role, key_id=digest[:16])
        return cls(principals, path)

    def lookup(self, key: str) -> Principal | None:
        return self._by_digest.get(_digest(key)) if key else None

    def by_key_id(self, key_id: str) -> Principal | None:
        return next((p for d, p in self._by_digest.items() if hmac.compare_digest(d[:16], key_id)), None)

    def __len__(self) -> int:
        return len(self._by_digest)


def _write_private(path: Path, text: str) -> bool:
    """Create the file with mode 0600; False if it already exists (another worker won the race)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return True


def load_keys(settings: Settings) -> KeyRegistry:
    """The configured key file, or development keys generated once into the data dir."""
    if settings.api_keys_file is not None:
        if not settings.api_keys_file.exists():
            raise AuthConfigError(f"REDACCOUNT_API_KEYS_FILE {settings.api_keys_file} does not exist")
        return KeyRegistry.load(settings.api_keys_file)
    settings.ensure_dirs()
    path = settings.data_dir / "api_keys.yaml"
    from graph.roster import Roster  # the demo's people, so a key's actor matches swarm and assignee names

    people = [(p.name, p.role) for p in Roster.load(settings.roster_file).people]
    people += [(f"demo.{role.value}", role) for role in Role if role not in {r for _, r in people}]
    keys = {f"ra_{secrets.token_urlsafe(24)}": {"actor": name, "role": role.value} for name, role in people}
    header = ("# Development API keys, generated because REDACCOUNT_API_KEYS_FILE is not set: one per person\n"
              "# in the roster (and one per role nobody holds). Log in at /ui/login with the assignee's key.\n")
    if _write_private(path, header + yaml.safe_dump(keys, sort_keys=False)):
        log.warning("generated development API keys (one per roster person) in %s", path)
    else:
        log.warning("using development API keys from %s (set REDACCOUNT_API_KEYS_FILE in production)", path)
    return KeyRegistry.load(path)


def load_session_secret(settings: Settings) -> bytes:
    """A random per-installation secret for signing session cookies, created once in the data dir."""
    settings.ensure_dirs()
    path = settings.data_dir / "session.key"
    _write_private(path, secrets.token_hex(32))
    return bytes.fromhex(path.read_text(encoding="utf-8").strip())


def same_secret(expected: str, given: str) -> bool:
    """Constant-time comparison of a secret with whatever a client sent (any text, not only ASCII)."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    """Signed, expiring session cookies bound to a key id; CSRF tokens bound to the session.

    With a database, logout revokes the session server-side: a copied cookie stops working at once in
    every worker, not only when it expires.
    """

    def __init__(self, secret: bytes, keys: KeyRegistry, engine: sa.Engine | None = None):
        self._secret = secret
        self._keys = keys
        self._engine = engine

    def _mac(self, message: str) -> str:
        return _b64(hmac.new(self._secret, message.encode(), hashlib.sha256).digest())

    def issue(self, principal: Principal, now: float | None = None) -> str:
        body = _b64(json.dumps({"k": principal.key_id, "n": secrets.token_hex(8),
                                "exp": int((now or time.time()) + SESSION_TTL_S)}).encode())
        return f"{body}.{self._mac(body)}"

    def _claims(self, cookie: str | None, now: float | None = None) -> dict | None:
        if not cookie or "." not in cookie:
            return None
        body, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(self._mac(body), mac):
            return None
        try:
            claims = json.loads(_unb64(body))
        except ValueError:
            return None
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
            return None
        return claims if claims["exp"] > (now or time.time()) else None

    def principal(self, cookie: str | None) -> Principal | None:
        """The session's principal, if the cookie is authentic, fresh, not logged out and its key still
        configured."""
        claims = self._claims(cookie)
        if not claims or not isinstance(claims.get("k"), str):
            return None
        if self._engine is not None and is_revoked(self._engine, str(claims.get("n", ""))):
            return None
        return self._keys.by_key_id(claims["k"])

    def revoke(self, cookie: str | None) -> None:
        """End the session now (logout)."""
        claims = self._claims(cookie)
        if claims and self._engine is not None:
            revoke_session(self._engine, str(claims.get("n", "")), datetime.fromtimestamp(claims["exp"], UTC),
                           datetime.now(UTC))

    def csrf_token(self, cookie: str) -> str:
        return self._mac("csrf|" + cookie.split(".", 1)[0])

    def check_csrf(self, cookie: str | None, token: str | None) -> bool:
        return bool(cookie and token and same_secret(self.csrf_token(cookie), token))


def _api_key_from(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials else None


async def require_principal(request: Request) -> Principal:
    """The API caller, from `X-API-Key` or `Authorization: Bearer` (never from the body).

    `async`: a dictionary lookup by digest needs no thread (a plain `def` dependency costs a threadpool
    hop on every request)."""
    key = _api_key_from(request)
    principal = request.app.state.keys.lookup(key) if key else None
    if principal is None:
        raise HTTPException(401, "missing or unknown API key (X-API-Key or Authorization: Bearer)",
                            headers={"WWW-Authenticate": "Bearer"})
    request.state.actor = principal.actor
    return principal


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
