"""The pages in a real browser: Playwright drives the system Chromium, by keyboard where people would, with axe-core checks.

A police analyst logs in, searches a name, opens the profile, expands the network, decides a match, opens a line board and
downloads its DDTRO pack; a school practitioner logs in, sees the referral in the inbox, accepts it, and meets the one
"not found" page at the line board, the police profile of a child and the network. Screenshots of each page are written
to $CROSSLINE_TEST_ARTEFACTS (or the test's temporary folder).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from service_users import PASSWORD
from web_sites import LineSite, Site

from crossline.access.actor import Actor
from crossline.api.app import create_app
from crossline.contract.geography import WORKSPACE_BOUNDARIES
from crossline.service import safeguarding
from crossline.workspace import Workspace

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no system Chromium at /usr/bin/chromium (.ci/run installs the chromium package)")


def _serve(ws: Workspace) -> Iterator[str]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(ws), host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    yield f"http://localhost:{port}"  # localhost: a secure context, so the Secure session cookie is kept over plain HTTP
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def base(site: Site) -> Iterator[str]:
    yield from _serve(site.ws)


@pytest.fixture(scope="module")
def line_base(line_site: LineSite) -> Iterator[str]:
    yield from _serve(line_site.ws)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("CROSSLINE_TEST_ARTEFACTS", tmp_path)) / "web"
    out.mkdir(parents=True, exist_ok=True)
    return out


class Checked:
    """A page that fails the test on any CSP violation or script error, and checks accessibility with axe-core."""

    def __init__(self, browser: Any, shots: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.shots = shots

    def check(self, name: str) -> None:
        self.page.wait_for_load_state("networkidle")
        self.page.evaluate(AXE.read_text(encoding="utf-8"))  # through DevTools, not a script tag: the page's CSP stays on
        result = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"{name}: accessibility violations: {bad}"
        csp = [e for e in self.errors if "Content Security Policy" in e or "Refused to" in e]
        assert not csp and not [e for e in self.errors if "404" not in e], f"{name}: browser errors: {self.errors}"
        self.page.screenshot(path=str(self.shots / f"{name}.jpg"), type="jpeg", quality=60)

    def login(self, base: str, user: str) -> None:
        from playwright.sync_api import expect

        self.page.goto(f"{base}/login")
        expect(self.page.locator("#user")).to_be_focused(timeout=5000)  # autofocus: Chromium applies it after load, not at once
        self.page.keyboard.type(user)  # keyboard only from here
        self.page.keyboard.press("Tab")
        self.page.keyboard.type(PASSWORD)
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(f"{base}/")

    def close(self) -> None:
        self.context.close()


def test_a_police_analyst_works_through_the_pages(browser: Any, base: str, line_base: str, site: Site, line_site: LineSite, shots: Path) -> None:
    b = Checked(browser, shots)
    page = b.page
    b.page.goto(f"{base}/login")
    b.check("login")
    b.login(base, "ana")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    b.check("dashboard-analyst")
    page.goto(f"{base}/search")
    page.get_by_label("Name, phone number, record id or identifier").fill("Kai Morgan")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=Kai+Morgan*")
    b.check("search")
    page.get_by_role("link", name="profile of Kai").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/people/{site.kai}*")
    assert "Not to be shared with schools without DI approval" in page.content()
    b.check("person-analyst")
    page.get_by_role("link", name="Open in the network view").click()
    page.wait_for_selector("#graph canvas")
    before = page.locator("#node-list li").count()
    other = page.locator(f"button.expand[data-node^='nominal:']:not([data-node='nominal:{site.kai}'])").first  # an associate
    other.focus()
    page.keyboard.press("Enter")
    page.locator("#node-list li").nth(before).wait_for()  # a node the expansion added (wait_for_function would need eval: the CSP says no)
    assert "Expanded nominal:" in page.locator("#graph-status").inner_text()
    b.check("network")
    outlines = site.ws.path / WORKSPACE_BOUNDARIES  # an operator's official boundaries (here a made-up square for Gwent)
    outlines.parent.mkdir(exist_ok=True)
    outlines.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"PFA23NM": "Gwent"},
        "geometry": {"type": "Polygon", "coordinates": [[[-3.2, 51.5], [-2.7, 51.5], [-2.7, 51.9], [-3.2, 51.9], [-3.2, 51.5]]]}}]}))
    try:
        page.goto(f"{base}/map")
        page.wait_for_selector(".leaflet-container")
        page.wait_for_selector(".leaflet-land-pane canvas, .leaflet-land-pane svg", state="attached")  # the coastline drawn
        page.wait_for_selector(".leaflet-forces-pane canvas, .leaflet-forces-pane svg", state="attached")  # and the outlines
    finally:
        outlines.unlink()
    b.check("map")
    page.goto(f"{base}/review")
    assert str(site.pair["explanation"][0]) in page.locator("main").inner_text()  # type: ignore[index]
    b.check("review")
    page.get_by_label("The same person").first.check()
    page.get_by_label("Why").first.fill("same address and school; confirmed with the school")
    page.get_by_role("button", name="Record decision on pair").first.click()
    page.wait_for_url("**/review?decided=1")
    page.goto(f"{base}/upload")
    b.check("upload")
    page.get_by_role("button", name="Build the picture").click()
    from playwright.sync_api import expect

    expect(page.locator("#job-status")).to_contain_text("build queued")  # polled from the jobs API (no worker runs in this test)
    b.login(line_base, "ana")
    page.goto(f"{line_base}/lines/{line_site.line_id}")
    page.wait_for_selector("#daily-chart")
    b.check("line-board")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the evidence pack (PDF)").click()
    assert download.value.suggested_filename == f"ddtro-{line_site.line_id}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    b.close()


def test_is_this_child_known_from_the_form_in_the_browser(browser: Any, base: str, site: Site, shots: Path) -> None:
    """An analyst types a referral's details into the form and reads the answer: the nominal, who holds it, and why."""
    b = Checked(browser, shots)
    page = b.page
    b.login(base, "ana")
    page.get_by_role("link", name="Is this child known?").click()
    page.wait_for_url(f"{base}/known")
    b.check("known-form")
    page.get_by_label("Given name").fill("Kai")
    page.get_by_label("Family name").fill("Morgan")
    page.get_by_label("Date of birth").fill("2009-03-14")
    page.get_by_label("Postcode").fill("np20 1ab")
    page.get_by_label("Why you are asking").fill("referral from the school nurse")
    page.get_by_role("button", name="Ask").click()
    page.wait_for_selector("#answer-h")
    assert page.locator("#answer-h").inner_text() == "Known"
    assert page.get_by_role("link", name=site.kai).count() >= 1
    page.get_by_text("Why this score").first.click()
    assert "Date of birth" in page.locator("details").first.inner_text()
    assert page.url == f"{base}/known"  # the child's details went in the request body, not the address
    b.check("known-answer")
    # asked again with the age a referral gives instead of the date: both years of birth it allows are asked
    today = date.today()
    age = today.year - 2009 - ((today.month, today.day) < (3, 14))
    page.get_by_label("Date of birth").fill("")
    page.get_by_label("Or the age today").fill(str(age))
    page.get_by_role("button", name="Ask").click()
    page.wait_for_selector("#answer-h")
    assert f"born in {today.year - age - 1} or {today.year - age}, both asked" in page.locator("#answer").inner_text()
    assert page.get_by_role("link", name=site.kai).count() >= 1
    b.check("known-by-age")
    b.close()


def test_a_school_practitioner_answers_a_referral_and_meets_not_found_elsewhere(browser: Any, base: str, site: Site, shots: Path) -> None:
    made = safeguarding.make_referral(site.ws, Actor("ana", "gwent-police", "analyst"), site.kai, "valleys-schools-trust", "school",
                                      "missed school on three Mondays; seen with older boys", "mentoring")
    b = Checked(browser, shots)
    page = b.page
    b.login(base, "sam")
    assert made["referral_id"] in page.content()
    b.check("inbox")
    form = page.locator(f"form[action='/inbox/referrals/{made['referral_id']}']")
    form.get_by_label("Accept").check()
    form.get_by_label("Reason").fill("our mentor can start next week")
    form.get_by_role("button", name="Send answer").click()
    page.wait_for_url("**/inbox?done=accept")
    assert safeguarding.referral(site.ws, Actor("sam", "valleys-schools-trust", "partner"), made["referral_id"])["status"] == "accepted"
    page.goto(f"{base}/people/{site.kai}")
    assert "DI approval" not in page.content()
    b.check("person-partner")
    for path in ("/lines", f"/people/{site.police_only}", f"/network?kind=person&start={site.kai}", "/network/expand?node=phone:%2B447711123456"):
        answer = page.goto(f"{base}{path}")
        assert answer is not None and answer.status == 404
        assert "It may not exist, or it may not be yours to see" in page.content()
    b.errors.clear()  # the 404 answers above are logged by the browser as failed loads
    b.check("not-found")
    b.close()
