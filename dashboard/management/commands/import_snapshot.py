"""``python manage.py import_snapshot incident.json.gz [--name incident-0312]``: load a replay cluster."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clusterviz.export import SnapshotError
from clusterviz.history import format_moment
from dashboard.history.store import HistoryConfig, HistoryStore, ImportRefused
from dashboard.hub import hub


class Command(BaseCommand):
    help = (
        "Load a clusterviz snapshot file (plain or gzipped JSON) as a read-only replay cluster. Bad input is "
        "refused with the reason and changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="the snapshot file (.json or .json.gz)")
        parser.add_argument("--name", default="", help="name of the replay cluster (default: <cluster>-<time>)")
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        limit = HistoryConfig.from_settings().import_max_bytes
        try:
            size = path.stat().st_size
            if size > limit:
                raise CommandError(f"{path}: the file is larger than the limit of {limit // (1024 * 1024)} MB")
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        taken = hub.names()
        try:
            row = HistoryStore(options["database"]).import_snapshot(
                data, name=options["name"] or None, filename=path.name, max_bytes=limit, taken=taken
            )
        except (SnapshotError, ImportRefused) as error:
            raise CommandError(f"{path}: {error}; nothing was imported") from None
        self.stdout.write(
            f"imported {row.name}: {row.cluster} at {format_moment(row.at)}, {row.nodes} nodes, {row.pods} pods "
            f"— open /replays/{row.name}/"
        )
