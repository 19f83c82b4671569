"""Request field types shared by the routers, so that what the schema admits is what the service accepts."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# no NUL anywhere: PostgreSQL text cannot hold one, and no partner means one
Text = Annotated[str, Field(min_length=1, max_length=4000, pattern=r"^[^\x00]*\S[^\x00]*$")]  # a reason or summary: something must be said
Id = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^\s\x00]+$")]
Note = Annotated[str, Field(max_length=4000, pattern=r"^[^\x00]*$")]
