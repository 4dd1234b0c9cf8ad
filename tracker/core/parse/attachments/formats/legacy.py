"""Legacy Word and WPS attachments (.doc, .wps) through a converter found on the machine.

These binary formats are read by LibreOffice (`soffice --headless --convert-to txt`) or, for
.doc only, antiword. The converter run is the one piece of I/O among the formats: it is
kept in `_convert`, in a temporary directory, with a timeout. Without a converter the file
is `unsupported` with the command that installs one.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from tracker.core.parse.attachments.registry import BROKEN, OK, UNSUPPORTED, Extraction, ExtractionFailed, Format

CONVERT_SECONDS = 60
INSTALL_HINT = "install LibreOffice (apt-get install libreoffice-writer-nogui) or antiword (apt-get install antiword)"


def converter() -> list[str] | None:
    """The command that turns a file (its path appended) into text, or None when none is installed."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office:
        return [office, "--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir"]
    antiword = shutil.which("antiword")
    return [antiword, "-m", "UTF-8.txt"] if antiword else None


def extract(data: bytes) -> Extraction:
    command = converter()
    if command is None:
        raise ExtractionFailed(UNSUPPORTED, f"unsupported: reading .doc/.wps needs a converter: {INSTALL_HINT}")
    text = _convert(command, data)
    found = tuple(line.strip() for line in text.splitlines() if line.strip())
    if not found:
        raise ExtractionFailed(BROKEN, f"broken: {Path(command[0]).name} found no text in the file")
    return Extraction(OK, found)


def _convert(command: list[str], data: bytes) -> str:
    """Run the converter on `data` in a temporary directory; its text output, UTF-8."""
    with tempfile.TemporaryDirectory(prefix="tracker-convert-") as folder:
        source = Path(folder) / "attachment.doc"
        source.write_bytes(data)
        office = "--outdir" in command
        args = [*command, folder, str(source)] if office else [*command, str(source)]
        try:
            run = subprocess.run(args, capture_output=True, timeout=CONVERT_SECONDS, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ExtractionFailed(BROKEN, f"broken: the converter took more than {CONVERT_SECONDS}s") from exc
        if run.returncode != 0:
            message = run.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ExtractionFailed(BROKEN, f"broken: {Path(command[0]).name} failed: {(message or ['no message'])[0][:160]}")
        output = Path(folder) / "attachment.txt"
        raw = output.read_bytes() if office and output.exists() else run.stdout
        return raw.decode("utf-8", "replace")


FORMAT = Format(
    name="doc",
    extensions=("doc", "wps"),
    mime_types=("application/msword", "application/vnd.ms-works", "application/kswps", "application/wps-office.doc"),
    extract=extract,
    sniff=lambda data: data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
)
