import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.core.errors import DomainError
from gonghui.core.uploads import JPEG, PDF, PNG, check_upload


def test_accepts_a_pdf_by_its_content():
    upload = SimpleUploadedFile("x.bin", b"%PDF-1.7\n...", content_type="application/octet-stream")
    assert check_upload(upload, kinds=(PDF, PNG), max_bytes=1024) is PDF


def test_refuses_a_renamed_executable():
    upload = SimpleUploadedFile("report.pdf", b"MZ\x90\x00binary", content_type="application/pdf")
    with pytest.raises(DomainError) as caught:
        check_upload(upload, kinds=(PDF, JPEG), max_bytes=1024)
    assert caught.value.code == "unsupported_file_type"
    assert "PDF, JPEG" in str(caught.value.message)


def test_refuses_too_large_and_empty():
    big = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 2048)
    with pytest.raises(DomainError) as caught:
        check_upload(big, kinds=(PNG,), max_bytes=1024)
    assert caught.value.code == "file_too_large"
    with pytest.raises(DomainError) as caught:
        check_upload(SimpleUploadedFile("e.pdf", b""), kinds=(PDF,), max_bytes=1024)
    assert caught.value.code == "empty_file"
