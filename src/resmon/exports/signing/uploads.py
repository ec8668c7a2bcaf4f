"""Reading an uploaded PDF for verification, within the upload limit (EVIDENCE_MAX_BYTES)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from resmon.core.errors import ValidationFailed
from resmon.reporting.services.evidence import max_bytes, size_text


class FileTooLarge(ValidationFailed):
    status = 413
    code = "file_too_large"


def upload_limit_text() -> str:
    return size_text(max_bytes())


def read_upload(upload: Any) -> bytes:
    """The uploaded file's bytes; a file above the limit is refused (413) before it is read."""
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise FileTooLarge(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": size_text(size), "limit": size_text(limit)},
            field="file",
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(
            _("The file is too large; the limit is %(limit)s.") % {"limit": size_text(limit)}, field="file"
        )
    return data
