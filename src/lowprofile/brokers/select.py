"""CSS and XPath selectors over one lxml tree, with a bound on what one selector may cost.

The public broker definitions mix CSS (``.card .name``) and XPath (``.//h3[contains(strong,
'AKA')]/following-sibling::span``). Compiling CSS to XPath with cssselect lets one parsed page
serve both, and lets the validator reject a broken selector before any scan.

libxml2 evaluates XPath in C and cannot be interrupted, so cost is bounded before evaluation:
``selector_cost_problem`` refuses the shapes that read the whole page (or every sibling) once per
node, which turn a 1 MB page into minutes; cssselect's ``:nth-child(N)``-style counts are
rewritten to positional steps that libxml2 stops early on; and the page reader caps the page's
size and element count (``brokers/page.py``). The HTML parser itself stops nesting at 255 levels,
which bounds every downward step.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from lxml import etree, html
from lxml.cssselect import LxmlTranslator

_HIDDEN_CLASSES = {"d-none", "hidden", "hide", "sr-only", "visually-hidden", "invisible"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def is_xpath(selector: str) -> bool:
    return selector.lstrip().startswith(("/", "./", "(", "..")) or selector.startswith(".//")


MAX_SELECTOR_CHARS = 400
"""The longest selector accepted; the longest shipped one is about 130 characters."""
MAX_PREDICATE_DEPTH = 3
"""Predicates inside predicates inside predicates, at most."""

_LITERAL = re.compile(r"('[^']*'|\"[^\"]*\")")
_SIBLING_COUNT = re.compile(
    r"count\((preceding|following)-sibling::([\w*:.-]+)\)\s*=\s*(\d{1,4})(?![\d.])"
)
_DOCUMENT_AXIS = re.compile(r"\b(preceding|following)::")
_SIBLING_AXIS = re.compile(r"\b(preceding|following)-sibling::")
_ANY_THEN_POSITION = re.compile(r"(?:\*|node\(\))\s*\[\s*\d+\s*\]")
_CLIMB_THEN_DESCEND = re.compile(
    r"(\.\.|\bparent::[\w*:.-]+|\bancestor(?:-or-self)?::[\w*:.-]+)\s*/"
)
_AGGREGATE = re.compile(r"\b(count|sum)\s*\(")
_PATH_START = re.compile(r"(^|[\[(,=<>!|+-]|(?<=[\w)\]'\"*]\s)(?:and|or|div|mod))\s*$")
"""Where a ``/`` would start an absolute path: at the start, after an operator or an opening
bracket, or after ``and``/``or``/``div``/``mod`` used as operators (after an operand and a space):
``div`` right after ``[`` is an element name, and ``[div/a]`` is a relative path."""


def _outside_literals(expression: str, change: Any) -> str:
    """Apply ``change`` to the parts of an XPath that are not string literals."""
    parts = _LITERAL.split(expression)
    return "".join(part if i % 2 else change(part) for i, part in enumerate(parts))


def _positional_counts(expression: str) -> str:
    """``count(preceding-sibling::x) = N`` (cssselect's ``:nth-child``, ``:first-child``…)
    becomes "has an N-th but no N+1-th such sibling": the same nodes, but libxml2 stops after
    N+1 siblings instead of counting all of them for every node (47 s on 40,000 siblings)."""

    def positional(match: re.Match[str]) -> str:
        axis, test, n = f"{match.group(1)}-sibling", match.group(2), int(match.group(3))
        beyond = f"not({axis}::{test}[{n + 1}])"
        return f"({axis}::{test}[{n}] and {beyond})" if n else beyond

    return _outside_literals(expression, lambda part: _SIBLING_COUNT.sub(positional, part))


def _predicate_depths(masked: str) -> list[int]:
    """The predicate nesting depth at each character of an XPath (literals already masked)."""
    depths, depth = [], 0
    for char in masked:
        if char == "[":
            depth += 1
        depths.append(depth)
        if char == "]":
            depth = max(0, depth - 1)
    return depths


def _stops_early(masked: str, end: int) -> bool:
    """True when the axis ending at ``end`` is ``*[N]`` or ``node()[N]``: libxml2 stops after N
    siblings. With a named test (``b[1]``) it reads every sibling when there is no ``b``."""
    return bool(_ANY_THEN_POSITION.match(masked, end))


def _aggregate_argument(masked: str, start: int) -> str:
    depth, i = 1, start
    while i < len(masked) and depth:
        depth += {"(": 1, ")": -1}.get(masked[i], 0)
        i += 1
    return masked[start : i - 1]


def xpath_cost_problem(expression: str) -> str | None:
    """Why this XPath could take minutes on a hostile page, or None.

    Refused: the whole-page ``preceding::``/``following::`` axes; inside a predicate, sibling
    axes (unless ``*[N]``, which stops early), absolute paths, paths that climb and descend
    again, and ``count()``/``sum()`` over anything but children or attributes;
    predicates nested more than ``MAX_PREDICATE_DEPTH`` deep. Each of these is evaluated once
    per candidate node and makes the selector quadratic in the page.
    """
    masked = _LITERAL.sub("''", expression)
    depths = _predicate_depths(masked)
    if max(depths, default=0) > MAX_PREDICATE_DEPTH:
        return f"predicates nested more than {MAX_PREDICATE_DEPTH} deep"
    for match in _DOCUMENT_AXIS.finditer(masked):
        return f"the {match.group(1)}:: axis reads the whole page from every node"
    for match in _SIBLING_AXIS.finditer(masked):
        if depths[match.start()] and not _stops_early(masked, match.end()):
            return f"{match.group(0)} inside a predicate reads every sibling of every node"
    for match in _CLIMB_THEN_DESCEND.finditer(masked):
        if depths[match.start()]:
            return "a path that climbs and descends again inside a predicate"
    for match in _AGGREGATE.finditer(masked):
        argument = _aggregate_argument(masked, match.end())
        if depths[match.start()] and ("::" in argument or "/" in argument or ".." in argument):
            return f"{match.group(1)}() over more than children inside a predicate"
    for index, char in enumerate(masked):
        if char == "/" and depths[index] and _PATH_START.search(masked[:index].rstrip("/")):
            return "an absolute path inside a predicate reads the whole page for every node"
    return None


def _as_xpath(selector: str) -> str:
    """The XPath text of a selector (CSS compiled by cssselect), positional counts rewritten."""
    expression = selector if is_xpath(selector) else _CSS.css_to_xpath(selector)
    return _positional_counts(expression)


_CSS = LxmlTranslator()


def selector_cost_problem(selector: str) -> str | None:
    """Why a broker selector (CSS or XPath) is too costly to run on a hostile page, or None.

    ``compile_selector`` calls it, so ``brokers validate`` and every scan refuse such selectors
    with the selector named; a selector that does not compile is not judged here.
    """
    if len(selector) > MAX_SELECTOR_CHARS:
        return f"longer than {MAX_SELECTOR_CHARS} characters"
    try:
        expression = _as_xpath(selector)
    except Exception:  # noqa: BLE001 - a broken selector is compile_selector's to report
        return None
    return xpath_cost_problem(expression)


@functools.lru_cache(maxsize=2048)
def compile_selector(selector: str) -> etree.XPath:
    """An XPath for either kind of selector; ValueError names what is wrong with it, including
    a selector too costly to run (``selector_cost_problem``)."""
    kind = "XPath" if is_xpath(selector) else "CSS selector"
    try:
        expression = _as_xpath(selector)
        compiled = etree.XPath(expression, smart_strings=False)
    except (etree.XPathSyntaxError, etree.XPathEvalError) as exc:
        raise ValueError(f"invalid {kind} {selector!r}: {exc}") from exc
    except Exception as exc:  # cssselect raises its own SelectorSyntaxError/ExpressionError
        raise ValueError(f"invalid {kind} {selector!r}: {exc}") from exc
    problem = selector_cost_problem(selector)
    if problem:
        raise ValueError(f"{kind} {selector!r} is too costly: {problem}")
    return compiled


def select(node: Any, selector: str) -> list[Any]:
    """Elements (or strings, for XPath text()/@attr) matched under ``node``."""
    result = compile_selector(selector)(node)
    return list(result) if isinstance(result, list) else [result]


_XML_DECLARATION = re.compile(r"\A\ufeff?\s*<\?xml[^>]{0,200}\?>")


def parse_html(text: str) -> Any:
    """Parse a page leniently into a whole document; an empty or hopeless page gives an empty
    document, never a crash. A leading ``<?xml …?>`` declaration (XHTML pages) is dropped: lxml
    refuses a str that declares an encoding, and the page would read as empty."""
    text = _XML_DECLARATION.sub("", text, count=1)
    if not text.strip():
        return html.document_fromstring("<html></html>")
    try:
        return html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return html.document_fromstring("<html></html>")


def element_count(tree: Any, stop: int) -> int:
    """How many elements ``tree`` holds, counting no further than ``stop``."""
    count = 0
    for _ in tree.iter():
        count += 1
        if count >= stop:
            break
    return count


_SKIPPED_TEXT = frozenset({"script", "style", "noscript"})


def text_of(node: Any) -> str:
    """Text of an element with whitespace collapsed; scripts, styles and comments left out.

    One walk over the tree: the equivalent ``.//text()[not(ancestor::script)…]`` XPath took 60 s
    on an 8 MB page."""
    if isinstance(node, str):
        return " ".join(node.split())
    if any(ancestor.tag in _SKIPPED_TEXT for ancestor in node.iterancestors()):
        return ""
    # An explicit stack rather than iterwalk: iterwalk gives no events for comments, and the
    # text after a comment (``Age <!-- -->38``) would be lost with them.
    pieces: list[str] = []
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        element, finished = stack.pop()
        if finished:
            if element is not node and element.tail:
                pieces.append(element.tail)
            continue
        stack.append((element, True))
        if not isinstance(element.tag, str) or element.tag in _SKIPPED_TEXT:
            continue  # a comment's or a script's own text is not shown; its tail is
        if element.text:
            pieces.append(element.text)
        stack.extend((child, False) for child in reversed(element))
    return " ".join(" ".join(pieces).split())


def _hidden_itself(element: Any) -> bool:
    classes = set((element.get("class") or "").split())
    if classes & _HIDDEN_CLASSES:
        return True
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    return bool(_HIDDEN_STYLE.search(element.get("style") or ""))


class Visibility:
    """Which elements of one page a browser would not show, each element judged once.

    An element is hidden when it or an ancestor is. Asking for every card of a page of 30,000
    nested cards one ancestor chain at a time took 15 s; remembering each verdict along the
    chain makes the whole page one pass.
    """

    def __init__(self) -> None:
        self._known: dict[Any, bool] = {}

    def hidden(self, node: Any) -> bool:
        chain: list[Any] = []
        verdict = False
        current = node
        while current is not None and isinstance(getattr(current, "tag", None), str):
            known = self._known.get(current)
            if known is not None:
                verdict = known
                break
            chain.append(current)
            if _hidden_itself(current):
                verdict = True
                break
            current = current.getparent()
        for element in chain:
            self._known[element] = verdict
        return verdict
