"""Where documents come from: the polite HTTP client, source kinds and their registry."""
