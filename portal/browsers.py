"""A browser's User-Agent string in words a family recognises ("Chrome on
Android", "WeChat on iPhone"), for the sessions page. Not a detector of
anything: the string is whatever the browser sent, so it only names, never
decides."""

import re

from django.utils.translation import gettext as _

# First match wins: in-app browsers and Edge announce themselves beside the
# engine they are built on (Chrome, Safari), so they come first.
BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("AlipayClient", "Alipay"),
    ("EdgA?/", "Edge"),
    ("OPR/|Opera", "Opera"),
    ("UCBrowser", "UC Browser"),
    ("HuaweiBrowser", "Huawei Browser"),
    ("MiuiBrowser", "Xiaomi Browser"),
    ("QQBrowser", "QQ Browser"),
    ("Firefox/|FxiOS/", "Firefox"),
    ("HeadlessChrome|Chrome/|CriOS/", "Chrome"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("HarmonyOS|OpenHarmony", "HarmonyOS"),
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X|Macintosh", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def _first(table, agent: str) -> str:
    return next((name for pattern, name in table if re.search(pattern, agent)), "")


def browser_name(agent: str) -> str:
    """ "Chrome on Android"; the browser or the system alone when only one is
    recognised; "an unknown browser" when neither is."""
    browser, system = _first(BROWSERS, agent or ""), _first(SYSTEMS, agent or "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("an unknown browser")
