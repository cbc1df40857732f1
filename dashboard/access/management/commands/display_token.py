"""Display tokens from the command line: create (prints the secret once), list, revoke.

manage.py display_token create "ops wall" --cluster demo --namespace shop --days 30
manage.py display_token list
manage.py display_token revoke 3
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dashboard.access.forms import MAX_DAYS
from dashboard.access.models import DisplayToken
from dashboard.access.views import display_link


class Command(BaseCommand):
    help = "Create, list or revoke the read-only display tokens of wall displays."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print its secret (shown only once)")
        create.add_argument("name")
        create.add_argument("--cluster", action="append", default=[], help="repeat for several; none: all")
        create.add_argument("--namespace", action="append", default=[], help="repeat for several; none: all")
        create.add_argument("--days", type=int, default=90, help=f"validity in days (1 to {MAX_DAYS})")
        create.add_argument("--base-url", default="", help="the dashboard's address, e.g. https://clusterviz.example")
        create.add_argument("--wall", default="", help="the wall's path, e.g. /wall/demo/?rotate=namespaces")
        sub.add_parser("list", help="list tokens (never their secrets)")
        revoke = sub.add_parser("revoke", help="revoke a token by id")
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        if not 1 <= options["days"] <= MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {MAX_DAYS}")
        try:
            token, secret = DisplayToken.issue(
                options["name"],
                expires_at=timezone.now() + timedelta(days=options["days"]),
                clusters=options["cluster"],
                namespaces=options["namespace"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"token {token.pk} {token.name!r} expires {token.expires_at:%Y-%m-%d %H:%M} UTC")
        self.stdout.write(f"secret (shown once): {secret}")
        wall = options["wall"] or (f"/wall/{token.clusters[0]}/" if token.clusters else "/wall/")
        self.stdout.write(f"wall link: {options['base_url'].rstrip('/')}{display_link(wall, secret)}")
        self.stdout.write("open the link once on the display; the secret after '#' never reaches a server's logs")

    def _list(self, options: dict[str, Any]) -> None:
        for t in DisplayToken.objects.all():
            scope = f"clusters={','.join(t.clusters) or '*'} namespaces={','.join(t.namespaces) or '*'}"
            self.stdout.write(f"{t.pk}\t{t.status}\t{t.name}\t{scope}\texpires {t.expires_at:%Y-%m-%d}")

    def _revoke(self, options: dict[str, Any]) -> None:
        token = DisplayToken.objects.filter(pk=options["id"]).first()
        if token is None:
            raise CommandError(f"no display token {options['id']}")
        token.revoke()
        self.stdout.write(f"revoked token {token.pk} {token.name!r}")
