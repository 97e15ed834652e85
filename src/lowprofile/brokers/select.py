"""CSS and XPath selectors over one lxml tree.

The public broker definitions mix CSS (``.card .name``) and XPath (``.//h3[contains(strong,
'AKA')]/following-sibling::span``). Compiling CSS to XPath with cssselect lets one parsed page
serve both, and lets the validator reject a broken selector before any scan.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from lxml import etree, html
from lxml.cssselect import CSSSelector

_HIDDEN_CLASSES = {"d-none", "hidden", "hide", "sr-only", "visually-hidden", "invisible"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def is_xpath(selector: str) -> bool:
    return selector.lstrip().startswith(("/", "./", "(", "..")) or selector.startswith(".//")


@functools.lru_cache(maxsize=2048)
def compile_selector(selector: str) -> etree.XPath:
    """An XPath for either kind of selector; ValueError names what is wrong with it."""
    try:
        if is_xpath(selector):
            return etree.XPath(selector)
        return CSSSelector(selector)
    except (etree.XPathSyntaxError, etree.XPathEvalError) as exc:
        raise ValueError(f"invalid XPath {selector!r}: {exc}") from exc
    except Exception as exc:  # cssselect raises its own SelectorSyntaxError/ExpressionError
        raise ValueError(f"invalid CSS selector {selector!r}: {exc}") from exc


def select(node: Any, selector: str) -> list[Any]:
    """Elements (or strings, for XPath text()/@attr) matched under ``node``."""
    result = compile_selector(selector)(node)
    return list(result) if isinstance(result, list) else [result]


def parse_html(text: str) -> Any:
    """Parse a page leniently; an empty or hopeless page gives an empty document, never a crash."""
    if not text.strip():
        return html.fromstring("<html></html>")
    try:
        return html.fromstring(text)
    except (etree.ParserError, ValueError):
        return html.fromstring("<html></html>")


_TEXT = etree.XPath(
    ".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"
)


def text_of(node: Any) -> str:
    """Text of an element with whitespace collapsed; scripts and styles left out."""
    if isinstance(node, str):
        return " ".join(node.split())
    return " ".join(" ".join(_TEXT(node)).split())


def is_hidden(node: Any) -> bool:
    """True for an element a browser would not show: hidden duplicates are not listings."""
    current = node
    while current is not None and isinstance(getattr(current, "tag", None), str):
        classes = set((current.get("class") or "").split())
        if classes & _HIDDEN_CLASSES:
            return True
        if current.get("hidden") is not None or current.get("aria-hidden") == "true":
            return True
        if _HIDDEN_STYLE.search(current.get("style") or ""):
            return True
        current = current.getparent()
    return False
