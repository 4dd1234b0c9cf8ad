"""The `[[source]]` option `attachments`: true (every type read, the default), false, or a
list of file types (`["pdf", "docx"]`). Kept apart from the fetching so `sources.base` can
validate it with the other common options."""

from __future__ import annotations

from tracker.core.config import SourceConfig
from tracker.core.parse.attachments import extensions

OPTION = "attachments"


def check_option(config: SourceConfig) -> None:
    """`attachments` must be true, false or a list of known file types (ValueError naming them)."""
    value = config.options.get(OPTION, True)
    if isinstance(value, bool):
        return
    known = extensions()
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{OPTION} must be true, false or a list of file types ({', '.join(sorted(known))}), got {value!r}")
    unknown = sorted({v.lower() for v in value} - known)
    if unknown:
        raise ValueError(f"{OPTION}: unknown file type(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")


def wanted_extensions(config: SourceConfig) -> frozenset[str]:
    """The file extensions this source reads attachments of (none when the option is false)."""
    value = config.options.get(OPTION, True)
    if value is True:
        return extensions()
    if value is False:
        return frozenset()
    return frozenset(v.lower() for v in value)
