"""manage.py verify_pdf FILE: check the signatures of a PDF offline; exit 0 when signed and intact."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from resmon.exports.signing import Verification, verify_pdf


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def describe(result: Verification) -> list[str]:
    """The verification as lines of text."""
    lines = [f"{result.verdict_label}: {result.message}"]
    for number, sig in enumerate(result.signatures, 1):
        signed_at = sig.signed_at.strftime("%d/%m/%Y %H:%M:%S") if sig.signed_at else _("unknown")
        lines += [
            _("Signature %(n)s (field %(field)s)") % {"n": number, "field": sig.field_name},
            "  " + _("signer: %(name)s") % {"name": sig.signer_name or _("unknown")},
            "  " + _("organisation: %(org)s") % {"org": sig.signer_organisation or "-"},
            "  " + _("signed at: %(time)s (Asia/Ho_Chi_Minh)") % {"time": signed_at},
            "  " + _("intact (not changed after signing): %(v)s") % {"v": _yes_no(sig.intact)},
            "  " + _("certificate trusted here: %(v)s") % {"v": _yes_no(sig.trusted)},
            "  " + _("self-signed certificate: %(v)s") % {"v": _yes_no(sig.self_signed)},
            "  " + _("certificate SHA-256: %(fp)s") % {"fp": sig.certificate_fingerprint or "-"},
        ]
        if sig.problem:
            lines.append("  " + _("problem: %(text)s") % {"text": sig.problem})
    return lines


class Command(BaseCommand):
    help = (
        "Verify the digital signatures of a PDF offline (signer, time, integrity). Exit status 0 when "
        "the file is signed and not changed since, 1 otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the PDF file to check")

    def handle(self, *args, file: str, **options):
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror}
            ) from None
        result = verify_pdf(data)
        out = self.stdout if result.intact else self.stderr
        for line in describe(result):
            out.write(line)
        if not result.intact:
            raise SystemExit(1)
