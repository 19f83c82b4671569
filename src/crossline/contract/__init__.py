"""The data contract (docs/DATA-CONTRACT.md): manifest, feed schemas, enums and value normalisers."""
