"""Reads the documents need from lower layers that have no selector of their own."""

from __future__ import annotations

from dataclasses import dataclass

from resmon.audit.models import AuditChainHead

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditCheckpoint:
    """The audit chain's latest sealed row: printed on a filed document, it lets a later check
    notice that a row up to it was deleted or changed."""

    seq: int
    hash: str

    @property
    def short_hash(self) -> str:
        return self.hash[:16]


def audit_checkpoint() -> AuditCheckpoint:
    """The chain head as the sealer last wrote it (seq 0 and the genesis hash before any seal).
    One system-wide fact, the same for every reader: no scope applies."""
    row = AuditChainHead.objects.filter(pk=1).values_list("last_seq", "last_hash").first()
    if row is None:
        return AuditCheckpoint(0, GENESIS)
    return AuditCheckpoint(int(row[0]), row[1] or GENESIS)
