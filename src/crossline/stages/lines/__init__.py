"""Deal lines from communications data: features, score, successions, customers, runners (docs/lines.md)."""
