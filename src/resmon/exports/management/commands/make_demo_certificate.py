"""manage.py make_demo_certificate [--force]: a self-signed DEMO signing certificate (idempotent)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from resmon.core import clock
from resmon.exports.signing import certificates


class Command(BaseCommand):
    help = (
        "Create a self-signed DEMO certificate and key for signing PDFs (PKCS#12, mode 0600) at the "
        "default place, unless one exists. Not a real certificate: for demonstrations only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="replace an existing demo certificate")

    def handle(self, *args, force: bool, **options):
        if not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError(
                _(
                    "A demo certificate may not be created in this environment (e.g. production): "
                    "configure a real one with RESMON_SIGNING_P12."
                )
            )
        demo = certificates.demo_path()
        if certificates.configured_path() != demo:
            raise CommandError(
                _(
                    "RESMON_SIGNING_P12 is set (%(path)s): documents are signed with that certificate, "
                    "so no demo certificate is made. Unset it to use a demo certificate."
                )
                % {"path": certificates.configured_path()}
            )
        result = certificates.make_demo_certificate(force=force)
        if not result.created:
            self.stdout.write(
                _(
                    "A demo signing certificate already exists at %(path)s; nothing changed "
                    "(--force replaces it)."
                )
                % {"path": result.path}
            )
            return
        cert = result.certificate
        assert cert is not None
        until = cert.not_valid_after_utc.astimezone(clock.tz()).strftime("%d/%m/%Y")
        self.stdout.write(
            self.style.WARNING(
                _(
                    "Created a SELF-SIGNED DEMO certificate: it is not a real certificate, and documents "
                    "signed with it prove nothing outside this demonstration."
                )
            )
        )
        self.stdout.write(_("  file: %(path)s (PKCS#12, readable by this user only)") % {"path": result.path})
        self.stdout.write(_("  subject: %(subject)s") % {"subject": cert.subject.rfc4514_string()})
        self.stdout.write(_("  valid until: %(date)s") % {"date": until})
        self.stdout.write(_("  SHA-256 fingerprint: %(fp)s") % {"fp": certificates.fingerprint(cert)})
        self.stdout.write(
            _(
                "For real use, set RESMON_SIGNING_P12 and RESMON_SIGNING_P12_PASSWORD "
                "(see docs/operations.md)."
            )
        )
