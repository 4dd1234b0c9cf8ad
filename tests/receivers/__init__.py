"""Local stand-ins for the chat platforms, webhooks and an SMTP server.

Each is a real server on 127.0.0.1 (free port) that implements the platform's contract
as documented (signatures, error codes, size limits, rate limits), so the channels are
tested over a real socket against the same verdicts production would give.
"""
