"""One module per attachment format; each declares `FORMAT` (see `tracker.core.parse.attachments.registry`)."""
