"""The signing certificate: where it is configured, loading it, and the self-signed demo one.

Configuration (settings, from the environment): SIGNING_P12_PATH (RESMON_SIGNING_P12, a PKCS#12
file with the key and certificate, and the CA chain when there is one) and SIGNING_P12_PASSWORD
(RESMON_SIGNING_P12_PASSWORD). Unset, the path is SIGNING_DEMO_P12_PATH, where
``manage.py make_demo_certificate`` writes a self-signed certificate for demonstrations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.sign.signers import SimpleSigner

from resmon.core import clock
from resmon.core.errors import ValidationFailed

logger = logging.getLogger(__name__)

DEMO_COMMON_NAME = "Resmon demo signer (self-signed, not for real use)"
DEMO_ORGANISATION = "Văn phòng Trung ương Đảng (demo)"
DEMO_VALIDITY = dt.timedelta(days=730)
# A little room for clocks that are slightly behind the server's.
DEMO_BACKDATE = dt.timedelta(minutes=10)


class SigningNotConfigured(ValidationFailed):
    code = "signing_not_configured"


@dataclass(frozen=True)
class SigningMaterial:
    """The loaded PKCS#12: the signer pyhanko uses and the certificates for trust decisions."""

    signer: SimpleSigner
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # the other certificates in the file (the CA chain)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)


def configured_path() -> Path:
    return Path(settings.SIGNING_P12_PATH)


def demo_path() -> Path:
    return Path(settings.SIGNING_DEMO_P12_PATH)


def _password() -> bytes | None:
    password = settings.SIGNING_P12_PASSWORD or ""
    return password.encode() if password else None


def fingerprint(cert: x509.Certificate | asn1_x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, as uppercase hex pairs separated by colons."""
    der = cert.public_bytes(serialization.Encoding.DER) if isinstance(cert, x509.Certificate) else cert.dump()
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def is_self_signed(cert: x509.Certificate) -> bool:
    """Issued by itself: the issuer is the subject and its own key verifies its signature."""
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except Exception:  # noqa: BLE001 - any failure (wrong key type, bad signature) means "not self-signed"
        return False
    return True


def name_part(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return ", ".join(str(v.value) for v in values)


def not_configured_message() -> str:
    return _(
        "No signing certificate is configured: run `manage.py make_demo_certificate` "
        "or set RESMON_SIGNING_P12."
    )


def _read(path: Path) -> SigningMaterial:
    """Load the PKCS#12 at ``path``; a missing or unreadable file is a ValidationFailed."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SigningNotConfigured(not_configured_message()) from None
    except OSError as exc:
        logger.warning("signing certificate %s cannot be read: %s", path, exc)
        raise SigningNotConfigured(
            _(
                "The signing certificate cannot be read (no permission to open the file): check "
                "RESMON_SIGNING_P12. %(hint)s"
            )
            % {"hint": not_configured_message()}
        ) from None
    try:
        key, cert, others = pkcs12.load_key_and_certificates(raw, _password())
    except Exception as exc:  # noqa: BLE001 - cryptography raises several kinds for a bad file
        logger.warning("signing certificate %s is not a readable PKCS#12: %s", path, exc)
        raise SigningNotConfigured(
            _(
                "The signing certificate cannot be read (a wrong password or a damaged file): check "
                "RESMON_SIGNING_P12 and RESMON_SIGNING_P12_PASSWORD. %(hint)s"
            )
            % {"hint": not_configured_message()}
        ) from None
    if key is None or cert is None:
        raise SigningNotConfigured(
            _("The signing certificate file holds no private key or no certificate. %(hint)s")
            % {"hint": not_configured_message()}
        )
    signer = SimpleSigner.load_pkcs12_data(raw, other_certs=(), passphrase=_password())
    return SigningMaterial(signer=signer, certificate=cert, chain=tuple(others))


# The last material read, keyed by the file's identity (path, size, modification time, password),
# so verifying many files does not decrypt the PKCS#12 each time; a replaced file is read again.
_cache: dict[tuple[str, int, int, bytes | None], SigningMaterial] = {}


def load_material() -> SigningMaterial:
    path = configured_path()
    try:
        stat = path.stat()
    except OSError:
        raise SigningNotConfigured(not_configured_message()) from None
    key = (str(path), stat.st_size, stat.st_mtime_ns, _password())
    material = _cache.get(key)
    if material is None:
        material = _read(path)
        _cache.clear()
        _cache[key] = material
    return material


def configured_material() -> SigningMaterial | None:
    """The configured certificate for verification, or None when there is none (or it is unreadable)."""
    try:
        return load_material()
    except SigningNotConfigured:
        return None


def check_usable(material: SigningMaterial, at: dt.datetime) -> None:
    """A certificate outside its validity period cannot make a signature anyone accepts."""
    cert = material.certificate
    if at < cert.not_valid_before_utc:
        raise SigningNotConfigured(
            _("The signing certificate is not valid before %(date)s.")
            % {"date": cert.not_valid_before_utc.astimezone(clock.tz()).strftime("%d/%m/%Y %H:%M")},
            code="signing_certificate_not_yet_valid",
        )
    if at > cert.not_valid_after_utc:
        raise SigningNotConfigured(
            _("The signing certificate expired on %(date)s: configure a new one (RESMON_SIGNING_P12).")
            % {"date": cert.not_valid_after_utc.astimezone(clock.tz()).strftime("%d/%m/%Y")},
            code="signing_certificate_expired",
        )


@dataclass(frozen=True)
class DemoCertificate:
    path: Path
    created: bool
    certificate: x509.Certificate | None  # None: the existing file cannot be read with the settings


def _demo_name() -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, DEMO_COMMON_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANISATION),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )


def build_demo_certificate(now: dt.datetime) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A self-signed RSA 2048 certificate for document signing, valid two years from ``now``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _demo_name()
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,  # non-repudiation: what document signatures assert
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - DEMO_BACKDATE)
        .not_valid_after(now + DEMO_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_demo_certificate(*, force: bool = False) -> DemoCertificate:
    """Write a self-signed demo certificate and key as PKCS#12 (mode 0600) at the demo path.

    Does nothing when the file exists, unless ``force``. Encrypted with SIGNING_P12_PASSWORD when
    one is set (so the same setting opens it), else stored without a password.
    """
    path = demo_path()
    if path.exists() and not force:
        try:
            existing: x509.Certificate | None = _read(path).certificate
        except SigningNotConfigured:
            existing = None
        return DemoCertificate(path=path, created=False, certificate=existing)
    key, cert = build_demo_certificate(clock.now())
    password = _password()
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    data = pkcs12.serialize_key_and_certificates(b"Resmon demo signer", key, cert, None, encryption)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return DemoCertificate(path=path, created=True, certificate=cert)
