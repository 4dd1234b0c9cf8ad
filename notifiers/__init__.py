"""Alert delivery: the outbox dispatcher, one module per channel, and templates."""
