"""Models of the ledger app: an RFC 9162 transparency log stored in the database.

LogEntry, TreeNode and SignedCheckpoint are append-only *in the schema*: migration 0002
installs triggers that refuse UPDATE and DELETE (SQLite and PostgreSQL). The only row that
changes is LedgerHead (the tree size), which is also the lock that serialises appends.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

NODE_LEVEL_SHIFT = 48
"""TreeNode.id = (level << 48) | index: one integer key, clustered on SQLite (rowid)."""


def node_id(level: int, index: int) -> int:
    """Primary key of the stored complete subtree (level, index)."""
    return (level << NODE_LEVEL_SHIFT) | index


class LogEntry(models.Model):
    """One leaf of the log: the canonical record bytes (UTF-8 JSON) and their leaf hash."""

    leaf_index = models.BigIntegerField(primary_key=True)
    record_type = models.CharField(max_length=64, db_index=True)
    record = models.TextField(help_text="canonical JSON (jiliang.trust.LogRecord)")
    leaf_hash = models.BinaryField(max_length=32)
    subject_kind = models.CharField(max_length=32, blank=True)
    subject = models.CharField(max_length=160, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    owner_id = models.BigIntegerField(null=True, blank=True, help_text="institution concerned")
    issuer_id = models.BigIntegerField(null=True, blank=True, help_text="issuing institution")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["leaf_index"]
        indexes = [models.Index(fields=["subject_kind", "subject"])]
        verbose_name_plural = "log entries"

    def __str__(self) -> str:
        return f"#{self.leaf_index} {self.record_type}"


class TreeNode(models.Model):
    """Hash of a complete subtree; id = node_id(level, index). Level 0 holds leaf hashes."""

    id = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField(max_length=32)

    @property
    def level(self) -> int:
        return self.id >> NODE_LEVEL_SHIFT

    @property
    def index(self) -> int:
        return self.id & ((1 << NODE_LEVEL_SHIFT) - 1)


class LedgerHead(models.Model):
    """The single row (id=1) holding the tree size; locked by every append."""

    id = models.SmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)

    class Meta:
        db_table = "ledger_head"


class SignedCheckpoint(models.Model):
    """A C2SP checkpoint signed by the instance key (kept: a later tree must extend it)."""

    size = models.BigIntegerField(db_index=True)
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"checkpoint size {self.size}"


class PublishedKey(models.Model):
    """A public key this instance publishes (log or witness), kept after rotation."""

    vkey = models.CharField(max_length=300, unique=True)
    role = models.CharField(max_length=16, default="log")
    status = models.CharField(max_length=10, default="active")
    since = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.vkey


class WitnessedLog(models.Model):
    """Another instance's log that this instance witnesses, with the last checkpoint it
    cosigned (a new checkpoint is cosigned only if consistent with that one)."""

    origin = models.CharField(max_length=200, unique=True)
    log_keys = models.TextField(help_text="verifier keys of that log, one vkey per line")
    latest_size = models.BigIntegerField(null=True, blank=True)
    latest_root = models.BinaryField(max_length=32, null=True, blank=True)
    latest_note = models.TextField(blank=True)
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.origin


class Cosignature(models.Model):
    """A checkpoint of a witnessed log that this instance cosigned (the cosigned note)."""

    log = models.ForeignKey(WitnessedLog, on_delete=models.PROTECT, related_name="cosignatures")
    size = models.BigIntegerField()
    note = models.TextField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
