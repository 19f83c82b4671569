"""One built workspace per page-test module: the contract's good example imported and built, the service tests' users,
and a referral from the police to the school so the school's inbox has something to answer.

Module scope, not session: a module that decides the review queue's pair would otherwise empty the queue another module
expects, and which module runs first depends on how the suite is spread over the workers."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))
from service_users import PASSWORD, USERS  # noqa: E402
from web_sites import LineSite, Site  # noqa: E402

from crossline.access.actor import LOCAL_ADMIN, Actor  # noqa: E402
from crossline.api.app import create_app  # noqa: E402
from crossline.service import resolve, safeguarding, users  # noqa: E402
from crossline.service.build import build  # noqa: E402
from crossline.store import picture as picture_store  # noqa: E402
from crossline.workspace import init_workspace  # noqa: E402
from helpers import import_as_hub  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, examples: Path) -> Iterator[Site]:
    ws = init_workspace(tmp_path_factory.mktemp("web") / "ws")
    import_as_hub(ws, examples / "good")
    build(ws, LOCAL_ADMIN)
    for user_id, (agency, role) in USERS.items():
        users.add_user(ws, LOCAL_ADMIN, user_id=user_id, display_name=user_id.title(), agency=agency, role=role, password=PASSWORD)
    users.add_user(ws, LOCAL_ADMIN, user_id="oli", display_name="Oli", agency="gwent-police", role="police_officer", password=PASSWORD)
    nominals = picture_store.read_table(ws.engine, ws.path, "nominals", True)
    assert nominals is not None

    def nominal(source: str, record: str) -> str:
        return str(nominals.filter((pl.col("source") == source) & (pl.col("record_id") == record))["nominal_id"][0])

    kai = nominal("gwent-police", "P1")
    police = Actor("ana", "gwent-police", "analyst")
    made = safeguarding.make_referral(ws, police, kai, "valleys-schools-trust", "school", "missing from home twice; mentoring at school", "mentoring")
    queue = resolve.review_queue(ws, LOCAL_ADMIN, 1, 0)
    assert queue, "the good example leaves a borderline pair to review"
    yield Site(ws, kai, nominal("gwent-police", "P3"), str(made["referral_id"]), asdict(queue[0]))
    ws.close()


@pytest.fixture(scope="module")
def login(site: Site) -> Iterator[Callable[[str], TestClient]]:
    """A client logged in through the login page, one per user, kept for the module (logging in costs an argon2 hash)."""
    opened: dict[str, TestClient] = {}

    def make(user: str) -> TestClient:
        if user not in opened:
            c = TestClient(create_app(site.ws), base_url="https://testserver", follow_redirects=False)
            answer = c.post("/login", data={"user": user, "password": PASSWORD, "next": "/"})
            assert answer.status_code == 303, answer.text
            opened[user] = c
        return opened[user]

    yield make
    for c in opened.values():
        c.close()



@pytest.fixture(scope="module")
def line_site(tmp_path_factory: pytest.TempPathFactory, examples: Path) -> Iterator[LineSite]:
    """A hand-made deal line (the lines tests' comms builder), built with the lines stage only: the line board's data."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lines"))
    from crossline.service import lines
    from lines_comms import Comms, deal_line, num, to_bundle

    root = tmp_path_factory.mktemp("web-line")
    ws = init_workspace(root / "ws")
    c = Comms()
    deal_line(c, num("7711", 1), [num("7712", i) for i in range(40)], range(0, 12), "350000000000011", [num("7713", 1), num("7713", 2)], check_ins=True)
    import_as_hub(ws, examples / "good")  # the agencies the users belong to
    import_as_hub(ws, to_bundle(c.frame(), root / "bundle"))
    build(ws, LOCAL_ADMIN, only=["lines"])
    users.add_user(ws, LOCAL_ADMIN, user_id="ana", display_name="Ana", agency="gwent-police", role="police_analyst", password=PASSWORD)
    users.add_user(ws, LOCAL_ADMIN, user_id="sam", display_name="Sam", agency="valleys-schools-trust", role="practitioner", password=PASSWORD)
    found = lines.list_lines(ws, LOCAL_ADMIN)
    assert found.height == 1
    yield LineSite(ws, str(found["line_id"][0]))
    ws.close()
