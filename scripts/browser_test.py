#!/usr/bin/python3
"""The web application walked as a new user would, in real headless Chromium driven
by Selenium (Debian's chromium, chromium-driver and python3-selenium).

It starts its own marking-server on a free loopback port over a temporary store,
registers a producer through the API (the operator hands the producer a token),
then in the browser: checks a genuine and a tampered code on the public page, signs
in, registers a product, orders 10,000 codes, downloads them, prints a label sheet
and decodes a symbol back with dmtxread to the exact element string, uploads a
utilisation document from a file and watches it reach CHECKED_OK, opens the
analytics page and sees its charts, switches
kk -> ru -> en and sees every visible text change, and signs out.

Screenshots of each page go to the folder given by --screenshots (default
browser-screenshots/, not committed). Exits 1 on the first failed step; prints
'N passed, 0 failed' at the end.

Usage: scripts/browser_test.py [--server .build/debug/marking-server] [--screenshots DIR]
       [--readme docs/screenshots]   (refreshes the README's screenshots)
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ADMIN = "browser-test-admin-token-0123456789abcdef"
STEPS = []


def step(name):
    def wrap(function):
        def run(*args):
            started = time.monotonic()
            try:
                result = function(*args)
            except Exception as error:  # any failure ends the walk with its step named
                print(f"FAIL {name}: {error}", file=sys.stderr)
                raise
            STEPS.append(name)
            print(f"ok   {name} ({time.monotonic() - started:.1f} s)")
            return result
        return run
    return wrap


def gtin(body):
    """A GTIN-14 from 13 digits, with its check digit."""
    digits = f"{body:013d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def bin_number(seed):
    """A valid Kazakhstan BIN (12 digits, check digit per the two weight rounds)."""
    for extra in range(1000):
        body = f"{(seed * 1000 + extra) % 10**11:011d}"
        digits = [int(d) for d in body]
        check = sum(d * w for d, w in zip(digits, range(1, 12))) % 11
        if check == 10:
            check = sum(d * w for d, w in zip(digits, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])) % 11
            if check == 10:
                continue
        return body + str(check)
    raise ValueError("no BIN")


class Server:
    """marking-server serve on a free loopback port over a temporary data folder."""

    def __init__(self, binary):
        self.folder = tempfile.mkdtemp(prefix="web-browser-test-")
        environment = dict(os.environ, MARKING_ADMIN_TOKEN=ADMIN)
        self.log = open(os.path.join(self.folder, "server.log"), "w+")
        self.process = subprocess.Popen(
            [binary, "serve", "--data", os.path.join(self.folder, "data"), "--host", "127.0.0.1", "--port", "0"],
            stdout=self.log, stderr=self.log, env=environment)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.log.seek(0)
            found = re.search(r"web application at (http://127\.0\.0\.1:\d+)/", self.log.read())
            if found:
                self.url = found.group(1)
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.log.seek(0)
        raise RuntimeError("the server did not start:\n" + self.log.read())

    def api(self, method, path, body=None, token=ADMIN, content_type="application/json"):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        request = urllib.request.Request(self.url + "/api/v1" + path, data=data, method=method)
        request.add_header("Authorization", "Bearer " + token)
        if data is not None:
            request.add_header("Content-Type", content_type)
        with urllib.request.urlopen(request, timeout=60) as answer:
            payload = answer.read()
            return json.loads(payload) if answer.headers.get_content_type().endswith("json") else payload.decode()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


class Walk:
    def __init__(self, server, screenshots, readme=None):
        self.server = server
        self.screenshots = screenshots
        self.readme = readme
        self.downloads = tempfile.mkdtemp(prefix="web-downloads-")
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1100",
                         "--lang=kk", "--disable-gpu", "--no-first-run"]:
            options.add_argument(argument)
        options.add_experimental_option("prefs", {
            "download.default_directory": self.downloads, "download.prompt_for_download": False,
            "intl.accept_languages": "kk,ru;q=0.8"})
        self.browser = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
        self.browser.set_page_load_timeout(60)
        self.shot = 0
        self.weights = []

    def open(self, path):
        self.browser.get(self.server.url + path)

    def screenshot(self, name):
        self.shot += 1
        self.browser.save_screenshot(os.path.join(self.screenshots, f"{self.shot:02d}-{name}.png"))
        self.weigh(name)

    def weigh(self, name):
        """The page's HTML + CSS + JS bytes (decoded) and its time to first byte, from
        the browser's Navigation and Resource Timing; every page stays under 200 KB."""
        size, first_byte = self.browser.execute_script("""
            const page = performance.getEntriesByType('navigation')[0];
            let size = page.decodedBodySize;
            for (const r of performance.getEntriesByType('resource')) size += r.decodedBodySize;
            return [size, page.responseStart - page.requestStart];""")
        self.weights.append((name, size, first_byte))
        assert size < 200 * 1024, (name, size)

    def readme_shot(self, name, scroll_to=None):
        """A small screenshot for the README (--readme DIR), in a narrower window."""
        if not self.readme:
            return
        self.browser.set_window_size(900, 820)
        if scroll_to:
            self.browser.execute_script("document.querySelector(arguments[0]).scrollIntoView()", scroll_to)
        self.browser.save_screenshot(os.path.join(self.readme, name + ".png"))
        self.browser.set_window_size(1280, 1100)

    def find(self, selector):
        """The element, waiting for the page that holds it (a click may still be loading)."""
        return WebDriverWait(self.browser, 20, poll_frequency=0.1).until(lambda b: b.find_element(By.CSS_SELECTOR, selector))

    def wait(self, condition, timeout=60):
        """Until `condition` holds; a page reloading under it (the job's page reloads
        itself when the job ends) is tried again, not a failure."""
        return WebDriverWait(self.browser, timeout, poll_frequency=0.2,
                             ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(condition)

    def visible_texts(self):
        """Every visible text node outside the language switch, in document order."""
        return self.browser.execute_script("""
            const texts = [];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
              const node = walker.currentNode, parent = node.parentElement, text = node.textContent.trim();
              if (!text || !parent || parent.closest('.languages') || parent.closest('[hidden]')) continue;
              const style = getComputedStyle(parent);
              if (style.display === 'none' || style.visibility === 'hidden' || parent.offsetParent === null && style.position !== 'fixed') continue;
              if (parent.closest('.skip')) continue;
              texts.push(text);
            }
            return texts;""")

    def close(self):
        self.browser.quit()
        shutil.rmtree(self.downloads, ignore_errors=True)


def run(server, walk):
    producer = server.api("POST", "/participants", {"name": "Tau Dairy LLP", "bin": bin_number(42), "roles": ["producer"]})
    token = producer["token"]["token"]
    seed = gtin(4870000000001)
    server.api("PUT", f"/products/{seed}", {"tradeName": "Tau kefir 1 l", "country": "KZ", "producer": "Tau Dairy LLP"}, token=token)
    seed_order = server.api("POST", "/orders", {"gtin": seed, "quantity": 3}, token=token)
    seed_code = server.api("GET", f"/orders/{seed_order['id']}/codes?format=text", token=token).split("\n")[0]

    @step("public check of a genuine code")
    def check_genuine():
        walk.open("/")
        walk.screenshot("check-empty")
        box = walk.find("#code")
        box.send_keys(seed_code.replace("\x1d", "<GS>"))
        walk.find("#check-submit").click()
        verdict = walk.wait(lambda b: b.find_element(By.CSS_SELECTOR, "#verdict"))
        assert "genuine" in verdict.get_attribute("class"), verdict.get_attribute("class")
        assert "Tau kefir 1 l" in verdict.text, verdict.text
        walk.screenshot("check-genuine")
        walk.readme_shot("check")
    check_genuine()

    @step("public check of a tampered code")
    def check_tampered():
        tampered = seed_code[:-1] + ("B" if seed_code[-1] != "B" else "C")
        walk.open("/check?code=" + urllib.parse.quote(tampered))
        verdict = walk.find("#verdict")
        assert "fake" in verdict.get_attribute("class"), verdict.get_attribute("class")
        walk.screenshot("check-tampered")
        walk.open("/check?code=" + urllib.parse.quote("0104600000000018" + "21abc"))
        assert "16" in walk.find("#verdict").text
        walk.screenshot("check-unreadable")
    check_tampered()

    @step("sign in as a producer")
    def sign_in():
        walk.find("#signin-link").click()
        walk.screenshot("signin")
        walk.find("#token").send_keys(token)
        walk.find("#signin-submit").click()
        walk.wait(lambda b: b.current_url.endswith("/cabinet"))
        assert walk.find("#participant-name").text == "Tau Dairy LLP"
        assert token not in walk.browser.page_source and token not in walk.browser.current_url
        cookie = walk.browser.get_cookie("mk_session")
        assert cookie and cookie["httpOnly"] and cookie.get("sameSite") == "Strict", cookie
        walk.screenshot("cabinet")
        walk.readme_shot("cabinet")
    sign_in()

    product = gtin(4870000000002)

    @step("register a product")
    def register():
        walk.open("/cabinet/products")
        walk.find("#product-new").click()
        walk.find("#gtin").send_keys(product[:-1] + str((int(product[-1]) + 1) % 10))
        walk.find("#f-tradeName").send_keys("Tau ayran 0.5 l")
        walk.find("#product-save").click()
        assert walk.find("#form-error").is_displayed()
        assert "alert" == walk.find("#form-error").get_attribute("role")
        walk.screenshot("product-bad-gtin")
        field = walk.find("#gtin")
        field.clear()
        field.send_keys(product)
        walk.find("#f-country").send_keys("KZ")
        walk.find("#product-save").click()
        walk.wait(lambda b: "/cabinet/products" in b.current_url and "saved" in b.current_url)
        assert product in walk.browser.page_source
        walk.screenshot("products")
    register()

    @step("order 10,000 codes")
    def order():
        walk.open("/cabinet/orders")
        Select(walk.find("#order-gtin")).select_by_value(product)
        walk.find("#order-quantity").send_keys("10000")
        walk.find("#order-submit").click()
        walk.wait(lambda b: re.search(r"/cabinet/orders/\d+$", b.current_url))
        assert walk.find("#order-quantity-value").text == "10000"
        walk.screenshot("order")
        return walk.browser.current_url.rsplit("/", 1)[1]
    order_id = order()

    @step("download the 10,000 codes")
    def download():
        walk.find("a[href$='format=text']").click()
        path = os.path.join(walk.downloads, f"order-{order_id}.txt")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (os.path.exists(path) and not os.path.exists(path + ".crdownload")):
            time.sleep(0.2)
        with open(path, "rb") as file:
            lines = file.read().split(b"\n")
        codes = [line.decode() for line in lines if line]
        assert len(codes) == 10000, len(codes)
        assert len(set(codes)) == 10000
        assert all(code.startswith("01" + product + "21") and "\x1d" in code for code in codes)
        return codes
    codes = download()

    @step("print a label sheet and decode a symbol back with dmtxread")
    def labels():
        walk.open(f"/cabinet/orders/{order_id}/labels")
        walk.screenshot("labels-sheet")
        walk.readme_shot("labels", scroll_to=".sheet-frame")
        walk.open(f"/cabinet/orders/{order_id}/labels?columns=2&rows=3")
        label = walk.find("g.label")
        expected = label.get_attribute("data-code").replace("<GS>", "\x1d")
        assert expected == codes[0], (expected, codes[0])
        picture = os.path.join(walk.screenshots, "label-symbol.png")
        label.screenshot(picture)
        # -G 29: GS1 mode, each FNC1 written as GS (0x1D): the one in first position
        # says the symbol is GS1, the others are the separators.
        decoded = subprocess.run(["dmtxread", "-N1", "-m", "20000", "-G", "29", picture], capture_output=True, timeout=60).stdout
        text = decoded.decode("latin-1").rstrip("\n")
        assert text.startswith("\x1d"), ("no FNC1 in first position", text)
        assert text[1:] == expected, (text, expected)
    labels()

    @step("upload a utilisation document from a file and watch it reach CHECKED_OK")
    def document():
        path = os.path.join(walk.downloads, "utilisation.txt")
        with open(path, "w") as file:
            file.write("\n".join(codes[:500]) + "\n")
        walk.open("/cabinet/documents")
        Select(walk.find("#doc-type")).select_by_value("UTILISATION")
        walk.find("#doc-number").send_keys("UT-1")
        walk.find("#doc-file").send_keys(path)
        walk.screenshot("document-form")
        walk.find("#document-submit").click()
        walk.wait(lambda b: re.search(r"/cabinet/documents/\d+$", b.current_url))
        walk.wait(lambda b: b.find_element(By.CSS_SELECTOR, "#document-state").get_attribute("data-state") == "CHECKED_OK")
        walk.screenshot("document-checked")
    document()

    @step("open the analytics page and see its charts")
    def analytics():
        walk.open("/cabinet/analytics")
        walk.find("#analytics-status-title")
        total = walk.find("#analytics-total").text
        assert int(total) >= 10000, ("the producer's codes, the 10,000 ordered among them", total)
        bars = walk.browser.find_elements(By.CSS_SELECTOR, "svg[aria-labelledby^='analytics-status'] rect")
        assert len(bars) == 5 and int(bars[1].get_attribute("width")) > 0, "a bar per status, the applied codes drawn"
        day_bars = walk.browser.find_elements(By.CSS_SELECTOR, "svg[aria-labelledby^='analytics-days'] rect")
        assert day_bars, "today's emitted codes drawn"
        walk.find("a[href^='/cabinet/analytics/gtins.csv']")
        walk.screenshot("analytics")
    analytics()

    @step("switch kk -> ru -> en and see every visible text change")
    def languages():
        seen = {}
        for page in ["/cabinet", "/"]:
            for language in ["kk", "ru", "en"]:
                walk.open(page)
                walk.find(f"#lang-{language}").click()
                walk.wait(lambda b: b.find_element(By.TAG_NAME, "html").get_attribute("lang") == language)
                seen[(page, language)] = walk.visible_texts()
                walk.screenshot(f"language-{language}{page.replace('/', '-')}")
            kk, ru, en = (seen[(page, language)] for language in ["kk", "ru", "en"])
            assert len(kk) == len(ru) == len(en), (page, len(kk), len(ru), len(en))
            user_data = {"Tau Dairy LLP"}
            for a, b, c in zip(kk, ru, en):
                if a in user_data or re.fullmatch(r"[\d\s]+", a):
                    continue
                assert a != b and b != c and a != c, (page, a, b, c)
    languages()

    @step("sign out")
    def sign_out():
        walk.open("/cabinet")
        walk.find("#signout").click()
        walk.wait(lambda b: "/signin" in b.current_url)
        walk.screenshot("signed-out")
        walk.open("/cabinet")
        assert "/signin" in walk.browser.current_url
    sign_out()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default=".build/debug/marking-server")
    parser.add_argument("--screenshots", default="browser-screenshots")
    parser.add_argument("--readme", help="also write the README's three screenshots into this folder (docs/screenshots)")
    arguments = parser.parse_args()
    os.makedirs(arguments.screenshots, exist_ok=True)
    server = Server(arguments.server)
    walk = None
    failed = 0
    try:
        walk = Walk(server, os.path.abspath(arguments.screenshots), arguments.readme and os.path.abspath(arguments.readme))
        run(server, walk)
    except Exception:  # the step named itself; the summary below counts it
        traceback.print_exc()
        failed = 1
    finally:
        if walk:
            if walk.weights:
                heaviest = max(walk.weights, key=lambda w: w[1])
                slowest = max(walk.weights, key=lambda w: w[2])
                print(f"pages: {len(walk.weights)}, heaviest {heaviest[0]} {heaviest[1] / 1024:.1f} KB (HTML+CSS+JS), "
                      f"slowest first byte {slowest[0]} {slowest[2]:.0f} ms, median first byte "
                      f"{sorted(w[2] for w in walk.weights)[len(walk.weights) // 2]:.0f} ms")
            walk.close()
        server.stop()
    print(f"browser walk: {len(STEPS)} passed, {failed} failed")
    print(f"screenshots in {os.path.abspath(arguments.screenshots)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
