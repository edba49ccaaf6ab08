"""Every page of the built site, loaded in headless Chromium: no broken internal link, no console error.

Needs Debian's ``chromium`` (``.ci/run`` installs it); the test installs nothing and skips without it.
Playwright drives that browser over the DevTools protocol; it downloads no browser of its own.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import tempfile
import threading
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

import shipment_pipeline_constructs as package

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The only host the site may contact: Material's repository widget reads the repository's stars and latest
# release from the GitHub API. The page works without it (offline, the widget shows the name only).
EXTERNAL_HOSTS_ALLOWED = {"api.github.com"}


@pytest.fixture(scope="module")
def site_url(built_site):
    """The built site served on 127.0.0.1 at a free port, for the length of this module."""
    handler = functools.partial(QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")
    sync_api = pytest.importorskip("playwright.sync_api")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_api.sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield context
        context.close()


def crawl(browser, start: str) -> dict[str, dict]:
    """Visit every page reachable from ``start`` on the same origin: url -> status, errors, ids and links."""
    origin = urlparse(start).netloc
    pages: dict[str, dict] = {}
    queue = deque([start])
    page = browser.new_page()
    errors: list[str] = []
    external: list[str] = []

    def on_console(message) -> None:
        if message.type != "error":
            return
        source = urlparse(message.location.get("url", "")).netloc
        if source in EXTERNAL_HOSTS_ALLOWED:
            return  # the repository widget's GitHub API call, which fails when the machine is offline
        errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on("request", lambda request: external.append(request.url) if urlparse(request.url).netloc != origin else None)
    while queue:
        url = queue.popleft()
        if url in pages:
            continue
        errors.clear()
        external.clear()
        response = page.goto(url, wait_until="networkidle")
        links = page.eval_on_selector_all("a[href]", "anchors => anchors.map(a => a.href)")
        pages[url] = {
            "status": response.status if response else None,
            "errors": list(errors),
            "external": list(external),
            "ids": set(page.eval_on_selector_all("[id]", "elements => elements.map(e => e.id)")),
            "links": links,
            "title": page.title(),
        }
        for link in links:
            target, _ = urldefrag(link)
            if urlparse(target).netloc == origin and target not in pages and not target.endswith((".xml", ".gz")):
                queue.append(target)
    page.close()
    return pages


@pytest.fixture(scope="module")
def pages(browser, site_url):
    return crawl(browser, site_url)


def test_every_page_loads_without_console_errors(pages):
    assert len(pages) >= 20
    for url, page in pages.items():
        assert page["status"] == 200, f"{url}: HTTP {page['status']}"
        assert not page["errors"], f"{url}: console errors {page['errors']}"
        other_hosts = {urlparse(request).netloc for request in page["external"]} - EXTERNAL_HOSTS_ALLOWED
        assert not other_hosts, f"{url}: fetches from {other_hosts} (the site must work offline)"


def test_no_internal_link_is_broken(pages, site_url):
    broken = []
    for url, page in pages.items():
        for link in page["links"]:
            target, fragment = urldefrag(link)
            if not target.startswith(site_url) or target.endswith((".xml", ".gz")):
                continue
            if target not in pages:
                broken.append(f"{url} -> {link} (not found)")
            elif fragment and fragment not in pages[target]["ids"]:
                broken.append(f"{url} -> {link} (no element with that id)")
    assert not broken, "\n".join(broken)


def test_every_public_name_has_its_api_page(pages, site_url):
    for name in package.__all__:
        url = urljoin(site_url, f"api/{name}/")
        assert url in pages, f"no API page for {name} reachable from the home page"
        assert f"shipment_pipeline_constructs.{name}" in pages[url]["ids"], f"{name}'s page has no rendered object"
