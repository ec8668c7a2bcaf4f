"""The audit log: one row per write, in the writing transaction.

Rows are append-only (database triggers refuse DELETE and every UPDATE but the sealing one).
``seq`` is the order of the chain; ``seq``/``prev_hash``/``row_hash``/``sealed_at`` are left
empty by the writer and filled by the sealer (``audit.sealing``), which folds committed rows into
a hash chain, so writers never queue behind one chain lock.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    at = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    agency_path = models.CharField(_("agency path"), max_length=255, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # Filled in by the sealer: committed rows in id order get the next seq; the chain is in seq order.
    seq = models.BigIntegerField(_("sequence"), null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    row_hash = models.CharField(max_length=64, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)

    scope_paths = ("agency_path",)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # the sealer's work queue: committed rows not yet in the chain, in id order
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed_idx"),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_name} {self.action} {self.object_repr}"


class AuditChainHead(models.Model):
    """The one row (pk=1) the sealer locks while it extends the chain: the last sealed seq and hash.

    It is a cache for the sealer, never trusted by ``verify``, which recomputes the chain."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"


class AuditVerification(models.Model):
    """The result of one run of ``verify`` (from the page or the command), newest shown first."""

    started_at = models.DateTimeField(_("started"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    ok = models.BooleanField(_("chain intact"))
    rows = models.BigIntegerField(_("rows checked"), default=0)
    head_seq = models.BigIntegerField(_("last sequence"), null=True, blank=True)
    unsealed = models.BigIntegerField(_("unsealed rows"), default=0)
    # {"code": ..., params}: rendered in the reader's language by sealing.describe()
    problem = models.JSONField(_("problem"), null=True, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    run_by = models.CharField(_("run by"), max_length=150, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("audit verification")

    def __str__(self) -> str:
        return f"{self.started_at:%d/%m/%Y %H:%M} {'OK' if self.ok else 'FAILED'} #{self.head_seq or 0}"
