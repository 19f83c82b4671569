"""The ``[imports]`` section of crossline.toml: whose bundles a local import is, and how large a zip may unpack.

The zip limits are checked from the zip's own directory before anything is
unpacked, so a zip bomb fails with a message instead of filling the disk.
"""

from __future__ import annotations

from pydantic import field_validator

from crossline.settings.declare import Section, setting


class ImportsSettings(Section):
    agency: str = setting(
        "",
        "The agency an import is made for when it names none (the CLI's --as-agency). Blank: every import must name one. "
        "A bundle writes only records of this agency and of agencies it is allowed to send for.",
    )
    max_unpacked_gb: float = setting(50.0, "Most a .zip bundle may unpack to, in GB (summed over its entries, as its directory declares them).")
    max_compression_ratio: float = setting(
        200.0, "Largest ratio of unpacked to packed size for a .zip entry and for the whole zip; a larger one is refused as a zip bomb."
    )
    max_entries: int = setting(10_000, "Most files a .zip bundle may hold.")

    @field_validator("max_unpacked_gb", "max_compression_ratio", "max_entries")
    @classmethod
    def _positive(cls, v: float) -> float:
        if v <= 0:
            raise ValueError("must be greater than 0")
        return v
