"""The system of record (SQLAlchemy 2, Alembic; SQLite or PostgreSQL) and the comms lake (Parquet)."""
