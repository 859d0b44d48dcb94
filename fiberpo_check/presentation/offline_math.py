"""Math in HTML without the network: KaTeX (assets/katex, MIT) inlined into a page, fonts as data URIs.

`katex_head()` is the <style>/<script> block a self-contained page carries; it renders $…$, $$…$$, \\(…\\) and
\\[…\\] in the page once it has loaded. `offline_html(page)` swaps a page's MathJax loader (nbconvert's template
loads MathJax from a CDN) for that block and drops other remote scripts.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from pathlib import Path

KATEX = Path(__file__).resolve().parent / "assets" / "katex"
RENDER = """<script>document.addEventListener("DOMContentLoaded", function () {
  renderMathInElement(document.body, {delimiters: [
    {left: "$$", right: "$$", display: true}, {left: "\\\\[", right: "\\\\]", display: true},
    {left: "$", right: "$", display: false}, {left: "\\\\(", right: "\\\\)", display: false}],
    ignoredClasses: ["nomath"], throwOnError: false});
});</script>"""
MATHJAX_LOADER = re.compile(r"<script[^>]*(?:mathjax|MathJax)[^>]*>.*?</script>", re.S)
REMOTE_SCRIPT = re.compile(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.S)


def _font_uri(match: re.Match) -> str:
    data = base64.b64encode((KATEX / "fonts" / match.group(1)).read_bytes()).decode()
    return f'url(data:font/woff2;base64,{data}) format("woff2")'


@lru_cache(maxsize=1)
def katex_head() -> str:
    """<style> and <script> elements carrying KaTeX, its woff2 fonts and the auto-render call."""
    css = (KATEX / "katex.min.css").read_text()
    css = re.sub(r'url\(fonts/([\w-]+\.woff2)\) format\("woff2"\)(?:,url\(fonts/[\w.-]+\) format\("\w+"\))*', _font_uri,
                 css)
    scripts = "".join(f"<script>{(KATEX / name).read_text()}</script>" for name in ("katex.min.js",
                                                                                    "auto-render.min.js"))
    return f"<style>{css}</style>{scripts}{RENDER}"


def offline_html(page: str) -> str:
    """An HTML page with its MathJax loader (and its configuration) replaced by the inlined KaTeX, and no other
    script fetched from the network (nbconvert's require.js serves interactive widgets only)."""
    stripped = REMOTE_SCRIPT.sub("", MATHJAX_LOADER.sub("", page))
    return stripped.replace("</head>", katex_head() + "</head>", 1)
