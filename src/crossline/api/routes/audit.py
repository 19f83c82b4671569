"""Audit verification for auditors, over the API."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from crossline.access import purpose as purposes
from crossline.api.auth import Caller, caller, workspace
from crossline.service import audit

router = APIRouter(tags=["audit"])


@router.get("/audit/verify")
def verify(request: Request, who: Annotated[Caller, Depends(caller)]) -> dict[str, Any]:
    with purposes.stated(None, "api"):
        return asdict(audit.verify(workspace(request), who.actor))
