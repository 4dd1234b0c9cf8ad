"""One module per attachment format; each declares `FORMAT` (see `tracker.parse.attachments.registry`)."""
