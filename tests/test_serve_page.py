"""The page at / in a real headless Chromium (Debian's chromium and chromium-driver, driven by Selenium): it loads
from a running server with nothing from elsewhere, tags typed text and shows the API's tags, switches UPOS and
XPOS, shows each word's top tags on focus, opens a file, downloads CoNLL-U, is used from the keyboard alone, and
its word colours keep the text readable.

Skipped, with the reason, where Chromium, its driver or Selenium is not installed (.ci/run installs them).
`POSTAG_SCREENSHOT=docs/page.png python -m pytest tests/test_serve_page.py -n 0` also saves the README's picture.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from server_process import request, running_server

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
TEXT = "Acme Inc. isn't here yet. Time flies like an arrow; fruit flies like a banana.\n\nCall me tomorrow!"


def _missing() -> str | None:
    if CHROMIUM is None or DRIVER is None:
        return "no Chromium here: apt-get install chromium chromium-driver (.ci/run does)"
    try:
        import selenium  # noqa: F401
    except ModuleNotFoundError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def server():
    with running_server() as (base, _):
        yield base


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="postag-chromium-")
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1100,720",
                     f"--user-data-dir={profile}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    downloads = tmp_path_factory.mktemp("downloads")
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(predicate, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not true within {seconds} s")


def open_page(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    wait(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")


def shown(browser) -> list[tuple[str, str]]:
    from selenium.webdriver.common.by import By

    return [(word.get_attribute("data-word"), word.get_attribute("data-tag"))
            for word in browser.find_elements(By.CSS_SELECTOR, "#result .w")]


def api_tags(server: str, text: str, tagset: str) -> list[tuple[str, str]]:
    data = json.loads(request(server + "/v1/tag", {"text": text, "tagset": tagset, "top_k": 3})[2])
    return [(word["word"], word["tag"]) for sentence in data["sentences"] for word in sentence["words"]]


def test_typed_text_is_tagged_with_the_tags_of_the_api(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_page(browser, server)
    box = browser.find_element(By.ID, "text")
    box.send_keys(TEXT)
    box.send_keys(Keys.CONTROL, Keys.ENTER)  # the keyboard way to tag
    wait(lambda: shown(browser))
    assert shown(browser) == api_tags(server, TEXT, "upos")
    assert shown(browser)[:3] == [("Acme", "PROPN"), ("Inc.", "PROPN"), ("is", "AUX")]
    browser.find_element(By.CSS_SELECTOR, "label[for=tagset-xpos]").click()
    assert shown(browser) == api_tags(server, TEXT, "xpos")
    browser.find_element(By.CSS_SELECTOR, "label[for=tagset-upos]").click()
    assert shown(browser) == api_tags(server, TEXT, "upos")
    status = browser.find_element(By.ID, "status").text
    assert "3 sentences, 23 words" in status


def test_the_keyboard_reaches_the_words_and_focus_shows_their_top_tags(browser, server):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    def press(*keys):  # to whatever has the focus, as a person typing (send_keys to a file input names a file)
        ActionChains(browser).send_keys(*keys).perform()

    data = json.loads(request(server + "/v1/tag", {"text": TEXT, "top_k": 3})[2])
    expected = data["sentences"][0]["words"]
    browser.find_element(By.ID, "text").click()
    for _ in range(30):  # Tab from the text box through the controls to the first word
        press(Keys.TAB)
        if "w" in (browser.switch_to.active_element.get_attribute("class") or "").split():
            break
    focused = browser.switch_to.active_element
    assert focused.get_attribute("data-word") == "Acme"
    press(Keys.ARROW_RIGHT)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("data-word") == "Inc."
    tip = focused.find_element(By.CLASS_NAME, "tip")
    assert tip.is_displayed()
    rows = [row.text.split() for row in tip.find_elements(By.TAG_NAME, "span") if row.find_elements(By.TAG_NAME,
                                                                                                     "b")]
    assert [name for name, _ in rows] == [tag for tag, _ in expected[1]["top"]]
    assert [float(percent.rstrip("%")) for _, percent in rows] == pytest.approx(
        [round(p * 100, 1) for _, p in expected[1]["top"]], abs=0.051)
    assert "Inc.: PROPN" in focused.get_attribute("aria-label")
    press(Keys.END)
    assert browser.switch_to.active_element.get_attribute("data-word") == "!"
    screenshot = os.environ.get("POSTAG_SCREENSHOT")
    if screenshot:
        press(Keys.HOME)
        press(Keys.ARROW_RIGHT)
        Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(screenshot)


def test_a_file_opens_into_the_text_box_and_conllu_downloads(browser, server, tmp_path):
    from selenium.webdriver.common.by import By

    text = "The old man the boats.\n"
    source = tmp_path / "notes.txt"
    source.write_text(text, encoding="utf-8")
    open_page(browser, server)
    browser.find_element(By.ID, "file").send_keys(str(source))
    wait(lambda: browser.find_element(By.ID, "text").get_attribute("value") == text)
    browser.find_element(By.ID, "tag").click()
    wait(lambda: shown(browser))
    assert shown(browser) == api_tags(server, text, "upos")
    browser.find_element(By.CSS_SELECTOR, "[data-format=conllu]").click()
    target = browser.downloads / "tagged.conllu"
    wait(lambda: target.is_file() and target.stat().st_size > 0)
    expected = request(server + "/v1/tag", {"text": text, "format": "conllu"})[2].decode()
    assert target.read_text(encoding="utf-8") == expected


def test_nothing_comes_from_elsewhere_and_the_colours_keep_text_readable(browser, server):
    open_page(browser, server)
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(name.startswith(server) for name in resources), resources
    ratios = browser.execute_script("""
        function luminance(color) {
          const [r, g, b] = color.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map((v) => {
            v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        }
        const probe = document.createElement("span");
        probe.className = "w";
        const label = document.createElement("span");
        label.className = "tag";
        probe.append(label);
        document.body.append(probe);
        const ratios = {};
        for (const item of document.querySelectorAll("#legend li")) {
          probe.style.background = `var(--${item.textContent})`;
          const background = luminance(getComputedStyle(probe).backgroundColor);
          for (const [name, element] of [["word", probe], ["tag", label]]) {
            const text = luminance(getComputedStyle(element).color);
            ratios[item.textContent + " " + name] = (Math.max(text, background) + 0.05) /
                                                    (Math.min(text, background) + 0.05);
          }
        }
        probe.remove();
        return ratios;
    """)
    assert len(ratios) == 34
    low = {name: round(ratio, 2) for name, ratio in ratios.items() if ratio < 7}
    assert not low, f"below WCAG AAA contrast (7:1): {low}"
