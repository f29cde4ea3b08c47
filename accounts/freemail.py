"""Public mail domains: anyone can have an address there, so no account may claim one.

An account that claims ``gmail.com`` would receive every gmail requester's tickets and badges
(#12). Kept short and explicit: the big consumer providers and their country variants.
"""

from __future__ import annotations

FREEMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "live.com",
        "live.co.uk", "msn.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.co.jp", "ymail.com",
        "rocketmail.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "pm.me",
        "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "mail.ru", "yandex.com", "yandex.ru", "zoho.com",
        "zohomail.com", "fastmail.com", "hey.com", "tutanota.com", "tuta.io", "qq.com", "163.com", "126.com",
        "naver.com", "daum.net", "orange.fr", "free.fr", "laposte.net", "libero.it", "t-online.de", "btinternet.com",
        "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "rediffmail.com", "seznam.cz", "wp.pl", "o2.pl",
        "interia.pl", "hushmail.com", "mailinator.com", "inbox.com",
    }
)  # fmt: skip


def is_freemail(domain: str) -> bool:
    return domain.strip().lower().rstrip(".") in FREEMAIL_DOMAINS
