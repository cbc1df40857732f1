"""History storage: checkpoints, the change blocks between them, timeline events, chart samples, imports.

Every blob is zlib-compressed orjson of wire shapes (:mod:`clusterviz.wire`): the state the live map shows,
already redacted, never raw API objects. A checkpoint starts a *segment*: its change blocks hold the deltas
published after it with consecutive ``seq``; a new segment starts every CLUSTERVIZ_CHECKPOINT_SECONDS and
whenever the stream has a gap (a restart, a lost message), so any moment is one checkpoint plus its blocks.
"""

from __future__ import annotations

from django.db import models


class Checkpoint(models.Model):
    cluster = models.CharField(max_length=63)
    at = models.FloatField(help_text="epoch seconds (the cluster's clock) of the state")
    seq = models.BigIntegerField()
    revision = models.BigIntegerField()
    size = models.IntegerField(help_text="bytes of the compressed blob")
    blob = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["cluster", "at"], name="cv_checkpoint_cluster_at")]

    def __str__(self) -> str:
        return f"{self.cluster} checkpoint seq {self.seq} at {self.at}"


class ChangeBlock(models.Model):
    """Consecutive deltas of one segment, written together (one row per flush, not one per delta)."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="blocks")
    cluster = models.CharField(max_length=63)
    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    start_at = models.FloatField()
    end_at = models.FloatField()
    count = models.IntegerField()
    size = models.IntegerField()
    blob = models.BinaryField()

    class Meta:
        indexes = [
            models.Index(fields=["checkpoint", "first_seq"], name="cv_block_checkpoint_seq"),
            models.Index(fields=["cluster", "end_at"], name="cv_block_cluster_end"),
        ]

    def __str__(self) -> str:
        return f"{self.cluster} deltas {self.first_seq}..{self.last_seq}"


class TimelineEvent(models.Model):
    cluster = models.CharField(max_length=63)
    at = models.FloatField()
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=32)
    subject = models.CharField(max_length=320)
    text = models.CharField(max_length=1000)

    class Meta:
        indexes = [models.Index(fields=["cluster", "at"], name="cv_event_cluster_at")]

    def __str__(self) -> str:
        return self.text


class Sample(models.Model):
    """Counts for the charts (pods by status, nodes Ready, restarts, per-node requests) at one moment."""

    cluster = models.CharField(max_length=63)
    at = models.FloatField()
    size = models.IntegerField()
    blob = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["cluster", "at"], name="cv_sample_cluster_at")]

    def __str__(self) -> str:
        return f"{self.cluster} sample at {self.at}"


class ImportedSnapshot(models.Model):
    """An export loaded back as a read-only replay cluster, under a name of its own."""

    name = models.CharField(max_length=63, unique=True)
    cluster = models.CharField(max_length=63, help_text="the cluster the snapshot was taken from")
    at = models.FloatField()
    exported_at = models.FloatField()
    imported_at = models.FloatField()
    filename = models.CharField(max_length=255, blank=True)
    pods = models.IntegerField()
    nodes = models.IntegerField()
    size = models.IntegerField()
    blob = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.name} (from {self.cluster})"
