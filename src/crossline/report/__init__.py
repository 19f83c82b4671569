"""Reports: briefings and evidence packs as HTML and PDF (Jinja2, matplotlib, WeasyPrint)."""
