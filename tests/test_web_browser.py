"""`tracker web` in a real Chromium (Debian's, driven by Playwright): a reader's path through the seeds' story.

From the repealed 杭政〔2017〕66号 to the plan that repealed it, then to the redline of
杭政办函〔2025〕58号. Screenshots of each step are saved in docs/screenshots/ (the README shows them).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

from tests.conftest import REPO
from tests.web_support import CHANGED, PLAN, REPEALED, WebServer, served  # noqa: F401 (served: a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("web-browser"), pytest.mark.timeout(180)]

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCREENSHOTS = REPO / "docs" / "screenshots"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    profile = tmp_path_factory.mktemp("chromium-profile")  # a new, empty user-data-dir
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS, viewport={"width": 1100, "height": 820}, locale="zh-CN"
        )
        try:
            yield context
        finally:
            context.close()


def shoot(page: Page, name: str, above: str | None = None) -> Path:
    """A screenshot of the viewport, or only of what lies above the element `above` (to leave
    out the sample site's port, which changes each run, so the saved image only changes with the page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    box = page.locator(above).bounding_box() if above else None
    if box is not None:
        page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": 1100, "height": box["y"]})
    else:
        page.screenshot(path=str(path))
    return path


def test_a_reader_follows_repealed_by_and_opens_the_redline(served: tuple[WebServer, dict[str, int]], browser: BrowserContext) -> None:
    # `served` first: its crawl runs an event loop, which Playwright's would block.
    server, ids = served
    outside: list[str] = []
    page = browser.new_page()
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(server.base) else None)

    page.goto(server.url("/documents?source=sample-hz"))
    assert page.locator("table.documents tbody tr").count() >= 5
    assert "即将失效" in page.locator(f'tr:has(a[href="/documents/{ids[PLAN]}"])').inner_text()
    shoot(page, "documents")

    page.goto(server.url(f"/documents?q={REPEALED}"))
    page.click(f'a[href="/documents/{ids[REPEALED]}"]')
    assert page.locator("h1").inner_text() == "杭州市人民政府关于加快推动杭州未来产业发展的指导意见"
    assert page.locator(".badge.repealed").inner_text() == "已废止"
    assert "自本行动计划施行之日起同时废止" in page.locator("blockquote.evidence").inner_text()
    shoot(page, "repealed")

    page.click("a.repealed-by")
    assert page.url == server.url(f"/documents/{ids[PLAN]}")
    assert page.locator(".badge.expiring").first.inner_text() == "即将失效"
    assert page.locator("svg.timeline text.milestone.expires").text_content() == "有效期至 2026-12-31"
    shoot(page, "document", above="dl.meta dt:has-text('原文')")

    page.goto(server.url(f"/documents/{ids[CHANGED]}"))
    page.click("a.redline-link")
    assert page.url == server.url(f"/documents/{ids[CHANGED]}/redline?from=1&to=2")
    clause = page.locator(".clause.modified").first
    assert clause.locator("del").first.inner_text() == "500" and clause.locator("ins").first.inner_text() == "300"
    assert "money: 500万元 → 300万元" in clause.inner_text()
    shoot(page, "redline")

    page.goto(server.url("/calendar?month=2026-12"))
    assert page.locator(f'a.item.expires[href="/documents/{ids[PLAN]}"]').count() == 1
    shoot(page, "calendar")
    assert outside == []  # no page fetched anything from elsewhere
