"""Display tokens: read-only credentials for wall displays, scoped to clusters and namespaces.

Only the SHA-256 of a token's secret is stored; the secret is shown once, when the token is created.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from dashboard.access.logs import SECRET_PREFIX  # defined there: logging needs it before the apps load

NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")
"""Cluster and namespace names a token may be scoped to (Kubernetes names fit; anything else is refused)."""
LAST_USED_RESOLUTION = timedelta(minutes=1)
"""last_used_at is written at most this often per token, so a wall's requests do not each cost a write."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def clean_names(values: list[str], what: str) -> list[str]:
    """Validated, de-duplicated, sorted names; raises ValueError naming the bad one."""
    names = sorted({v.strip() for v in values if v.strip()})
    for name in names:
        if not NAME.match(name):
            raise ValueError(f"{what} {name!r} is not a valid name")
    return names


class DisplayToken(models.Model):
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    clusters = models.JSONField(default=list, blank=True, help_text="cluster names; empty means all clusters")
    namespaces = models.JSONField(default=list, blank=True, help_text="namespaces; empty means all namespaces")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(
        cls,
        name: str,
        *,
        expires_at: datetime,
        clusters: list[str] | None = None,
        namespaces: list[str] | None = None,
        created_by: models.Model | None = None,
    ) -> tuple[DisplayToken, str]:
        """Create a token; returns it with its secret, which is never stored and cannot be shown again."""
        if not name.strip():
            raise ValueError("a token needs a name")
        if expires_at <= timezone.now():
            raise ValueError("the expiry must be in the future")
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            name=name.strip()[:100],
            token_hash=hash_secret(secret),
            clusters=clean_names(clusters or [], "cluster"),
            namespaces=clean_names(namespaces or [], "namespace"),
            expires_at=expires_at,
            created_by=created_by,
        )
        return token, secret

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.expires_at > timezone.now() else "expired"

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def needs_touch(self) -> bool:
        return self.last_used_at is None or timezone.now() - self.last_used_at >= LAST_USED_RESOLUTION
