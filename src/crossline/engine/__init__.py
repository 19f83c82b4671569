"""Where analytics run: DuckDB by default (Spark for national scale arrives with the build stages)."""
