"""What a PDF shows, read with poppler's tools as a reader's viewer would: pdftotext for the
text (a glyph missing from the PDF comes out wrong or not at all) and pdffonts for whether each
font travels inside the file. CI installs poppler-utils (.ci/run)."""

import subprocess
import tempfile


def _poppler(tool: str, pdf: bytes, *args: str, after: tuple[str, ...] = ()) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        command = [tool, *args, file.name, *after]
        return subprocess.run(command, capture_output=True, check=True).stdout.decode()


def pdf_lines(pdf: bytes) -> list[str]:
    """The PDF's text, one entry per line, blank lines left out."""
    text = _poppler("pdftotext", pdf, "-enc", "UTF-8", after=("-",))
    return [line.strip() for line in text.splitlines() if line.strip()]


def pdf_fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """Each font of the PDF by name with whether it is embedded (pdffonts' "emb" column)."""
    fonts = []
    for row in _poppler("pdffonts", pdf).splitlines()[2:]:  # after the heading and its dashes
        columns = row.split()
        # name, type words, encoding, emb, sub, uni, object, generation: emb is 5th from the end
        fonts.append((columns[0], columns[-5] == "yes"))
    return fonts
