"""Checking uploaded files by their content, not by the name or type the browser claims."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from gonghui.core.errors import DomainError, NotFoundError, PermissionDeniedError


@dataclass(frozen=True)
class FileKind:
    name: str
    extension: str
    signatures: tuple[bytes, ...]
    #: where the signature starts (an MP4's `ftyp` box type comes after its 4-byte size)
    offset: int = 0


PDF = FileKind("PDF", "pdf", (b"%PDF-",))
PNG = FileKind("PNG", "png", (b"\x89PNG\r\n\x1a\n",))
JPEG = FileKind("JPEG", "jpg", (b"\xff\xd8\xff",))
XLSX = FileKind("Excel (.xlsx)", "xlsx", (b"PK\x03\x04",))
MP4 = FileKind("MP4", "mp4", (b"ftyp",), offset=4)


def check_upload(
    upload: UploadedFile[Any], *, kinds: tuple[FileKind, ...], max_bytes: int
) -> FileKind:
    """The kind of an acceptable upload, or a DomainError naming what is wrong with it."""
    size = upload.size or 0
    if size == 0:
        raise DomainError("empty_file", _("The file is empty."))
    if size > max_bytes:
        raise DomainError(
            "file_too_large",
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for kind in kinds:
        if any(head[kind.offset :].startswith(signature) for signature in kind.signatures):
            return kind
    raise DomainError(
        "unsupported_file_type",
        _("This file type is not accepted. Accepted: %(kinds)s.")
        % {"kinds": ", ".join(k.name for k in kinds)},
    )


@contextmanager
def naming_the_file(upload: UploadedFile[Any], *, field: str) -> Iterator[None]:
    """A refusal of one of several files uploaded at once names the file, on the form field
    they came from, so the user knows which one to replace. Missing and forbidden pass as
    they are."""
    try:
        yield
    except DomainError as error:
        if isinstance(error, NotFoundError | PermissionDeniedError):
            raise
        message = _("%(file)s: %(error)s") % {"file": upload.name, "error": error.message}
        raise DomainError(error.code, message, fields={field: [message]}) from error
