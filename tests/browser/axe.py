"""axe-core in the browser tests: inject the engine, keep the serious and critical findings.

axe-core comes from the npm registry through the project's package.json (``npm ci``, run by
``make install`` and ``.ci/run``); it is test-only and never served to users. It is evaluated
through the DevTools protocol, so a Content-Security-Policy that forbids inline scripts does not
block it (and the pages are audited under their real CSP).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings

AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@cache
def axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `npm ci` (make install does) to install axe-core.")
    return AXE_JS.read_text()


def audit(page) -> list[dict]:
    """The serious and critical axe violations of the page as it is now, one dict per rule."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n').slice(0, 2).join(' '))}));
        }"""
    )
    return [v for v in result if v["impact"] in BLOCKING]


def overflow_px(page) -> int:
    """How far the page scrolls sideways (0: it fits the viewport)."""
    return page.evaluate("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")
