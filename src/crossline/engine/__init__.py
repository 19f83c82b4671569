"""Where analytics run: DuckDB in process by default, Spark for what one machine cannot hold.

``steps`` is SQL as named steps and what each reads; ``duck`` and ``spark``
run the same steps on their engine (Spark through SQLGlot's transpiler).
"""
