"""Request field types shared by the routers, so that what the schema admits is what the service accepts."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Text = Annotated[str, Field(min_length=1, max_length=4000, pattern=r"\S")]  # a reason or summary: something must be said
Id = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^\S+$")]
Note = Annotated[str, Field(max_length=4000)]
