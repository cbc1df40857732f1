"""``python manage.py export_snapshot --cluster demo --at 2025-01-02T03:05:00Z --output demo.json.gz``"""

from __future__ import annotations

import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clusterviz import export
from clusterviz.history import format_moment, parse_moment
from dashboard.history.store import HistoryError, HistoryStore, stored_snapshot


class Command(BaseCommand):
    help = (
        "Write one moment of a cluster as a clusterviz snapshot (JSON, schema clusterviz.snapshot/v1): a stored "
        "moment of its history, the latest recorded one, or an imported snapshot. A .gz output is gzipped."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--cluster", required=True, help="cluster (or imported snapshot) name")
        parser.add_argument("--at", default="", help="epoch seconds or ISO 8601 (UTC if no zone); default: latest")
        parser.add_argument("--output", "-o", default="-", help="file to write ('-': standard output); .gz: gzip")
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            at = parse_moment(options["at"]) if options["at"] else None
        except ValueError as error:
            raise CommandError(f"--at: {error}") from None
        store = HistoryStore(options["database"])
        try:
            doc = stored_snapshot(store, options["cluster"], at, time.time())
        except HistoryError as error:
            raise CommandError(str(error)) from None
        data = export.dumps(doc)
        output: str = options["output"]
        if output.endswith(".gz"):
            data = export.compress(data)
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        path = Path(output)
        tmp = path.with_name(path.name + ".part")
        try:
            tmp.write_bytes(data)
            tmp.replace(path)
        except OSError as error:
            tmp.unlink(missing_ok=True)
            raise CommandError(f"cannot write {output}: {error.strerror}") from None
        pods = len(doc["state"]["pods"])
        self.stderr.write(
            f"wrote {output}: {doc['cluster']} at {format_moment(doc['at'])}, {pods} pods, {len(data)} bytes"
        )
