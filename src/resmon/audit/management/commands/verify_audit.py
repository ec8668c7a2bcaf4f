"""Verify the audit chain: prints OK with counts and time, or the first problem (exit code 1)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from resmon.audit import sealing, services


class Command(BaseCommand):
    help = "Verify the audit log's hash chain against its signed checkpoints."

    def add_arguments(self, parser):
        parser.add_argument("--start-seq", type=int, default=None, help="begin the walk at this row")
        parser.add_argument(
            "--checkpoint", action="store_true", help="after a successful verification, checkpoint the head"
        )
        parser.add_argument("--no-save", action="store_true", help="do not keep the result for the page")

    def handle(self, *args, start_seq, checkpoint: bool, no_save: bool, **options):
        if no_save:
            result = sealing.verify(start_seq=start_seq)
            ok, rows, head, unsealed, problem, notes = (
                result.ok,
                result.rows,
                result.head_seq,
                result.unsealed,
                result.problem,
                result.notes,
            )
            ms = int(result.seconds * 1000)
        else:
            run = services.run_verification(None, start_seq=start_seq)
            ok, rows, head, unsealed, problem, notes, ms = (
                run.ok,
                run.rows,
                run.head_seq,
                run.unsealed,
                run.problem,
                run.notes,
                run.duration_ms,
            )
        for note in notes:
            self.stderr.write(f"note: {sealing.describe(note)}")
        if not ok:
            self.stderr.write(f"PROBLEM: {sealing.describe(problem)}")
            raise SystemExit(1)
        self.stdout.write(f"OK: {rows} rows, head seq {head or 0}, {unsealed} not sealed yet, {ms} ms")
        if checkpoint:
            entry = sealing.write_checkpoint()
            if entry:
                self.stdout.write(
                    f"checkpoint: seq {entry['seq']} {entry['hash']} -> {sealing.checkpoint_path()}"
                )
