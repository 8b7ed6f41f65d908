#!/usr/bin/env python
"""The README's phone screenshots, made by a script and not by hand.

Starts the portal with the demo data on a free port on 127.0.0.1, on a throw-away
embedded PostgreSQL and Redis (portal/embedded.py, as `make run` uses; or on the
servers DATABASE_URL / REDIS_URL name, whose database it fills), signs in as the
demo user in Debian's Chromium at 390 × 844 (an ordinary phone) and saves, in
Chinese:

  docs/phone-family.png    the family page (首页): greeting, the family's year, cards
  docs/phone-summary.png   the annual summary (年度汇总) with the deduction in words
  docs/admin-todo.png      the administrators' first screen: the to-do list (待办事项)

and then, with elder mode (长辈模式) switched on for the shots and off again:

  docs/phone-elder-home.png  elder mode's own home: the large buttons
  docs/phone-elder-qr.png    出示医保码: the QR code as large as the screen

Usage:  .venv/bin/python scripts/screenshots.py [--out docs] [--language zh-hans]
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import embedded  # noqa: E402 - after the project is on the path

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
# (page, file, what to scroll to the top first: the summary's first person)
SHOTS = [
    ("/", "phone-family.png", None),
    ("/claims/summary/", "phone-summary.png", "section[id^=summary-]"),
]


def ensure_cjk_font() -> None:
    """Chinese pages need a CJK font, or Chromium draws empty boxes: install
    Debian's Noto CJK when running as root, else say what is missing."""
    found = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    if found.stdout.strip():
        return
    if os.geteuid() == 0:
        print("installing Debian's fonts-noto-cjk for the Chinese screenshots…")
        subprocess.run(["apt-get", "install", "-y", "-q", "fonts-noto-cjk"], check=False)
        return
    raise SystemExit("no Chinese font: apt-get install fonts-noto-cjk, then run this again")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the portal did not answer at {url}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs"), help="folder for the PNG files")
    parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.language == "zh-hans":
        ensure_cjk_font()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PORTAL_VAR_DIR": tmp, "DEBUG": "1", "HTTPS_ONLY": "0"}
        servers = []
        sockets = embedded.socket_dir(Path(tmp))
        if not os.environ.get("DATABASE_URL"):
            servers.append(embedded.postgres(Path(tmp) / "postgres", sockets=sockets))
        if not os.environ.get("REDIS_URL"):
            servers.append(embedded.redis(Path(tmp) / "redis", sockets=sockets))
        try:
            for server in servers:
                server.start()
            if not os.environ.get("DATABASE_URL"):
                embedded.database_create(sockets=sockets)
            serve_and_shoot(env, out, args.language)
        finally:
            for server in reversed(servers):
                server.stop()
    return 0


def serve_and_shoot(env: dict, out: Path, language: str) -> None:
    """Migrate, load the demo data, serve the portal and take the pictures."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "-v0"], ["seed_demo"]):
        subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"{base}/login/")
        shoot(base, out, language)
    finally:
        server.terminate()
        server.wait(timeout=10)


def shoot(base: str, out: Path, language: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=2, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/login/")
        page.locator("#id_username").fill("demo")
        page.locator("#id_password").fill("demo-2026")
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()
        for path, name, top in SHOTS:
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            if top:
                page.locator(top).first.evaluate("element => element.scrollIntoView()")
            page.screenshot(path=str(out / name))
            print(f"saved {out / name}")
        shoot_elder_mode(page, base, out)
        shoot_admin(browser, base, out, language)
        browser.close()


def shoot_admin(browser, base: str, out: Path, language: str) -> None:
    """The admin's first screen, at a desk: what waits for staff."""
    context = browser.new_context(viewport=DESK, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page = context.new_page()
    page.goto(f"{base}/admin/login/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("admin-2026")
    page.locator("input[type=submit]").click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / "admin-todo.png"))
    print(f"saved {out / 'admin-todo.png'}")
    context.close()


def elder_mode(page, base: str, on: bool) -> None:
    page.goto(f"{base}/me/")
    switch = page.locator("#elder-toggle form")
    if (switch.locator("input[name=on]").get_attribute("value") == "0") != on:
        switch.locator("button").click()
        page.wait_for_load_state()


def shoot_elder_mode(page, base: str, out: Path) -> None:
    """Elder mode's home and its QR code; elder mode is switched off afterwards,
    as the demo login had it."""
    elder_mode(page, base, on=True)
    try:
        page.goto(f"{base}/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(out / "phone-elder-home.png"))
        print(f"saved {out / 'phone-elder-home.png'}")
        page.locator("a.big-button").first.click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(out / "phone-elder-qr.png"))
        print(f"saved {out / 'phone-elder-qr.png'}")
    finally:
        elder_mode(page, base, on=False)


if __name__ == "__main__":
    raise SystemExit(main())
