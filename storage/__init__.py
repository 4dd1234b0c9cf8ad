"""Persistence: SQLModel tables, engine/session, queries and Alembic migrations."""
