"""Policies that live in attachments: PDF, Word (.docx, .doc/.wps) and OFD files read as documents.

Pure, like the rest of `tracker.core.parse`: `links` finds an article page's document links,
`registry.extract` turns a file's bytes into paragraphs or a status with its reason (one
module per format in `formats/`, positioned lines of fixed layouts rebuilt by `lines`), and
`merge` puts the text into the page's blocks for the parser. Fetching lives in
`sources.attachments`, storing in `storage.attachments`; docs/attachments.md tells the rest.
"""

from tracker.core.parse.attachments.links import AttachmentLink, attachment_links, document_links, may_link_documents
from tracker.core.parse.attachments.merge import AttachmentText, with_attachments
from tracker.core.parse.attachments.prepared import FetchedAttachment, PreparedAttachment, prepare_attachments
from tracker.core.parse.attachments.registry import (
    BROKEN,
    ENCRYPTED,
    IMAGE_ONLY,
    NOT_FETCHED,
    OK,
    STATUSES,
    UNSUPPORTED,
    Extraction,
    Format,
    extension_of,
    extensions,
    extract,
    format_for,
    formats,
)

__all__ = [
    "BROKEN",
    "ENCRYPTED",
    "IMAGE_ONLY",
    "NOT_FETCHED",
    "OK",
    "STATUSES",
    "UNSUPPORTED",
    "AttachmentLink",
    "AttachmentText",
    "Extraction",
    "FetchedAttachment",
    "Format",
    "PreparedAttachment",
    "attachment_links",
    "document_links",
    "extension_of",
    "extensions",
    "extract",
    "format_for",
    "formats",
    "may_link_documents",
    "prepare_attachments",
    "with_attachments",
]
