"""The console in a real browser (Debian's headless Chromium, driven by Selenium): sign in, drop
photos on the page, and watch them through the pipeline as a person would. The page talks to
the stack as a phone does (CORS, presigned PUT), so this is also the browser's end-to-end test.

The screenshot of the finished page is kept in .photopipe/artefacts/."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit import console, demo
from devkit.client import wait_until
from devkit.stack import Stack
from photopipe.auth import tokens

# Debian's, as scripts/install-browser.sh installs them, unless CHROMIUM / CHROMEDRIVER say otherwise.
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
ARTEFACTS = Path(__file__).resolve().parents[2] / ".photopipe" / "artefacts"

pytestmark = [
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()), reason="needs Chromium: scripts/install-browser.sh"
    ),
    pytest.mark.slow,  # a real browser, waiting for photos to finish on the page
]


@pytest.fixture(scope="module")
def console_url(stack: Stack) -> Iterator[str]:
    servers = console.serve(stack)
    yield f"http://127.0.0.1:{servers[0].server_address[1]}/"
    for server in servers:
        server.shutdown()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    # Without the background-networking flags Chromium dials Google's hosts, which this closed
    # network refuses; the page itself only talks to loopback.
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1500,2300", f"--user-data-dir={tmp_path / 'profile'}",
    ):  # fmt: skip
        options.add_argument(flag)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager never downloads a driver
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(what: str, probe: Callable[[], Any]) -> Any:
    """The page's state once probe() finds it (a truthy value): the suite's bounded poll."""
    return wait_until(probe, bool, 90, what, interval=0.2)


DROP = """
const [name, type, data, padding] = arguments;
const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
const transfer = new DataTransfer();
// Padding made here, not sent through the driver: a JPEG decodes past trailing bytes.
transfer.items.add(new File([bytes, new Uint8Array(padding || 0)], name, { type }));
const zone = document.querySelector("#drop");
for (const kind of ["dragenter", "dragover", "drop"]) {
  zone.dispatchEvent(new DragEvent(kind, { dataTransfer: transfer, bubbles: true, cancelable: true }));
}
"""

CARD = """
const card = [...document.querySelectorAll("article.job")].find((a) => a.dataset.name === arguments[0]
  || a.dataset.jobId === arguments[0]);
if (!card) return null;
return {
  jobId: card.dataset.jobId, status: card.dataset.status,
  error: (e => e.hidden ? null : e.textContent)(card.querySelector(".error")),
  variants: [...card.querySelectorAll(".variants img")]
    .map((i) => ({ name: i.alt, loaded: i.complete && i.naturalWidth > 0 })),
  base: card.querySelector("img.base").naturalWidth,
  rendition: (i => i && i.complete ? { width: i.naturalWidth, src: i.getAttribute("src") } : null)(
    card.querySelector("figure.delivery img.rendition")),
  faces: card.querySelectorAll(".overlay rect.face").length,
  crop: card.querySelectorAll(".overlay rect.crop").length,
  closeUps: card.querySelectorAll(".analysis svg.face-close-up rect.face").length,
  placeholder: !!card.querySelector(".analysis img.placeholder")?.naturalWidth,
  swatches: card.querySelectorAll(".analysis .swatch").length,
  notifications: card.querySelector(".notifications").textContent,
  parts: card.dataset.parts || null,
  progress: (p => p.hidden ? null : [p.value, p.max])(card.querySelector("progress.upload")),
};
"""


EDIT = """
const card = [...document.querySelectorAll("article.job")].find((a) => a.dataset.name === arguments[0]);
card.querySelector("section.edits select.op").value = arguments[1];
card.querySelector("section.edits form").requestSubmit();
"""

EDITS = """
const card = [...document.querySelectorAll("article.job")].find((a) => a.dataset.name === arguments[0]);
return [...card.querySelectorAll("figure.edit")].map((f) => ({
  status: f.dataset.status, caption: f.querySelector("figcaption").textContent,
  before: f.querySelector("img.before").naturalWidth, after: f.querySelector("img.after").naturalWidth,
}));
"""


def drop(browser: Any, name: str, content_type: str, data: bytes, padding: int = 0) -> None:
    browser.execute_script(DROP, name, content_type, base64.b64encode(data).decode(), padding)


def card(browser: Any, name: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = browser.execute_script(CARD, name)
    return found


def test_a_photo_dropped_on_the_console_shows_its_variants_faces_and_delivery(
    browser: Any, console_url: str, user_id: str, stack: Stack
) -> None:
    browser.get(console_url)
    wait_for("the page ready", lambda: browser.execute_script("return document.body.dataset.ready"))
    token = browser.find_element("id", "token")
    token.clear()
    token.send_keys(tokens.issue(user_id, stack.auth_secret))  # what `make -s token USER=...` prints
    browser.find_element("css selector", "#sign-in button").click()
    wait_for("signed in", lambda: browser.execute_script("return document.body.dataset.user") == user_id)

    drop(browser, "portrait.jpg", "image/jpeg", demo.sample_photo())
    drop(browser, "cut-short.jpg", "image/jpeg", demo.sample_photo()[:40_000])
    drop(browser, "notes.txt", "text/plain", b"not a photo")
    drop(browser, "large.jpg", "image/jpeg", demo.sample_photo(), padding=17 * 1024 * 1024)  # in parts

    done = wait_for(
        "the portrait COMPLETED with its three variants loaded and its face drawn",
        lambda: (
            (c := card(browser, "portrait.jpg") or {}).get("status") == "COMPLETED"
            and len(c["variants"]) == 3
            and all(v["loaded"] for v in c["variants"])
            and c["faces"] >= 1
            and c
        ),
    )
    assert {v["name"] for v in done["variants"]} == {"thumbnail", "medium", "large"}
    assert done["crop"] == 1 and done["placeholder"] and done["swatches"] >= 3, done
    assert done["closeUps"] == done["faces"], "each face is shown close up too"
    assert done["base"] > 0, "the original is shown beside its variants"
    rendition = wait_for(
        "the delivery rendition at the slider's width",
        lambda: (r := (card(browser, "portrait.jpg") or {}).get("rendition")) and r["width"] == 480 and r,
    )
    assert rendition["src"].endswith("/w_480,f_auto"), rendition
    browser.execute_script(
        "const card = [...document.querySelectorAll('article.job')].find((a) => a.dataset.name === arguments[0]);"
        "const s = card.querySelector('figure.delivery input.size');"
        "s.value = 320; s.dispatchEvent(new Event('change'));",
        "portrait.jpg",
    )
    wait_for(
        "a new rendition after the slider moved",
        lambda: ((card(browser, "portrait.jpg") or {}).get("rendition") or {}).get("width") == 320,
    )

    # An edit asked on the finished photo: its progress on the card, then before and after.
    op = "redactFaces" if stack["image_provider"] == "ondevice" else "grayscale"
    browser.execute_script(EDIT, "portrait.jpg", op)
    (edited,) = wait_for(
        f"the {op} edit COMPLETED with its before and after shown",
        lambda: (
            (edits := browser.execute_script(EDITS, "portrait.jpg"))
            and all(e["status"] == "COMPLETED" and e["before"] == e["after"] == 480 for e in edits)
            and edits
        ),
    )
    assert op in edited["caption"], edited

    large = wait_for(
        "the large photo uploaded in parts and COMPLETED",
        lambda: (c := card(browser, "large.jpg") or {}).get("status") == "COMPLETED" and c,
    )
    assert large["parts"] == "3" and large["progress"][0] == large["progress"][1] > 17 * 1024 * 1024, large

    failed = wait_for("the cut-short photo FAILED", lambda: (c := card(browser, "cut-short.jpg")) and c["error"] and c)
    assert failed["status"] == "FAILED" and "TRUNCATED_IMAGE" in failed["error"], failed
    refused = wait_for("the text file refused", lambda: (c := card(browser, "notes.txt")) and c["error"] and c)
    assert refused["status"] == "REFUSED" and "UNSUPPORTED_MEDIA_TYPE" in refused["error"], refused

    def verified_hooks() -> list[str]:
        script = "return [...document.querySelectorAll('#hooks li.ok')].map(l => l.textContent)"
        found: list[str] = browser.execute_script(script)
        return found

    wait_for(
        "verified webhooks for the portrait and the failure in the notification log",
        lambda: (
            any(done["jobId"] in h and "job.completed" in h for h in verified_hooks())
            and any(done["jobId"] in h and "edit.completed" in h for h in verified_hooks())
            and any(failed["jobId"] in h and "job.failed" in h and "TRUNCATED_IMAGE" in h for h in verified_hooks())
        ),
    )
    wait_for(
        "the delivery on the job",
        lambda: "webhook DELIVERED" in (card(browser, "portrait.jpg") or {}).get("notifications", ""),
    )

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / f"console-{os.environ.get('EMULATOR', 'ministack')}.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
