"""A local replica of a broker's opt-out pages, built from its steps (whose selectors are the
2026-02 definition's: ``test_shipped_steps.py`` holds them to it).

Each selector a step names is turned into the smallest markup it matches (``//form//input[@name=
'email']`` becomes a form holding that input; ``tr`` rows sit in a table), checked with the same
selector engine the runner's pages are read with. The pages follow the flow: a submit or a row
chosen shows the next part (as the site's next page would), an email confirmation opens the rest
at the link the person is mailed. Result rows are a namesake first, then the person, so only the
matcher can pick right. Every click, every chosen row and every form sent is recorded, with the
values of the fields the steps fill.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from helpers.localserver import PageHandler, running
from lowprofile.brokers.schema import FieldRule, OptOutStep
from lowprofile.brokers.select import is_xpath, parse_html, select

VOID = {"input", "br", "img", "hr", "meta", "link"}
TERM = re.compile(
    r"""^@(?P<attr>[\w:-]+)\s*=\s*['"](?P<value>[^'"]*)['"]$"""
    r"""|^contains\(@(?P<cattr>[\w-]+),\s*['"](?P<cvalue>[^'"]*)['"]\)$"""
    r"""|^contains\(concat\(.*@class.*\),\s*['"]\s*(?P<klass>[^'" ]+)\s*['"]\)$"""
    r"""|^(?:contains|starts-with)\((?:text\(\)|\.|normalize-space\([^)]*\)),\s*['"](?P<text>[^'"]*)['"]\)$"""
    r"""|^(?:text\(\)|normalize-space\([^)]*\))\s*=\s*['"](?P<exact>[^'"]*)['"]$"""
)
SKIPPED = re.compile(r"^(?:@[\w-]+|@[\w-]+\s*!=\s*''|not\(.*\))$")
"""Terms that hold of what is made anyway (an attribute that exists, a ``not(…)``)."""
COMPOUND = re.compile(r"#[\w-]+|\.[\w-]+|\[[\w-]+(?:~?=(?:'[^']*'|\"[^\"]*\"|[^\]]*))?\]")
JS = """
const SEGMENTS = %s;
async function record(kind, what, fields) {
  await fetch('/record', {method: 'POST', headers: {'Content-Type': 'application/json'},
                          body: JSON.stringify({kind, what, fields})});
}
document.addEventListener('submit', e => e.preventDefault(), true);
document.addEventListener('click', async e => {
  const el = e.target.closest('[data-click],[data-next]');
  if (!el) return;
  if (el.hasAttribute('data-next')) e.preventDefault();
  const fields = {};
  if (el.hasAttribute('data-post'))
    document.querySelectorAll('[data-field]').forEach(f => fields[f.dataset.field] = f.value);
  await record(el.hasAttribute('data-post') ? 'submit' : 'click', el.dataset.click || '', fields);
  if (el.hasAttribute('data-next'))
    document.getElementById('replica').innerHTML = SEGMENTS[Number(el.dataset.next)];
}, true);
document.addEventListener('change', e => {
  if (e.target.id === 'human')
    document.querySelectorAll('[data-solve]').forEach(x => x.setAttribute('value', 'ok'));
});
"""


@dataclass
class Node:
    """One element being made; ``key`` says when a later selector may reuse it."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    text: str = ""
    tail: str = ""
    children: list[Node] = field(default_factory=list)
    key: tuple[Any, ...] = ()

    def html(self) -> str:
        attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in self.attrs.items())
        inner = html.escape(self.text) + "".join(c.html() for c in self.children)
        body = (
            f"<{self.tag}{attrs}>"
            if self.tag in VOID
            else f"<{self.tag}{attrs}>{inner}</{self.tag}>"
        )
        return body + html.escape(self.tail)


def _split(text: str, sep: str) -> list[str]:
    """``text`` cut at ``sep`` outside brackets, parentheses and quotes."""
    parts, depth, quote, buf, i = [], 0, "", "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(buf)
            buf, i = "", i + len(sep)
            continue
        buf += ch
        i += 1
    return [*parts, buf]


def _predicates(step: str) -> tuple[str, list[str]]:
    """``div[@a='b'][2]`` → ``("div", ["@a='b'", "2"])``."""
    name, bracket, rest = step.partition("[")
    terms, depth, quote, buf = [], 0, "", ""
    for ch in bracket + rest:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "[":
            depth += 1
            if depth == 1:
                continue
        elif ch == "]":
            depth -= 1
            if depth == 0:
                terms.append(buf.strip())
                buf = ""
                continue
        buf += ch
    return name, terms


def _tag(name: str) -> str:
    return "div" if name in ("", "*") else name


class Maker:
    """Places selectors under a root, reusing what earlier selectors made."""

    def __init__(self, root: Node) -> None:
        self.root = root

    def place(self, selector: str, text: str = "", *, fresh: bool = False, tag: str = "") -> Node:
        """The element ``selector`` names, made under the root (``fresh``: never reuse the
        last one, e.g. a second result row; ``tag``: what it is when the selector does not say,
        an input to fill or a button to click)."""
        return self.place_in(self.root, selector, text, fresh=fresh, tag=tag)

    def place_in(
        self,
        parent: Node,
        selector: str,
        text: str = "",
        *,
        fresh: bool = False,
        path: bool = False,
        tag: str = "",
    ) -> Node:
        """As ``place``, under ``parent``; ``path``: an XPath step list without its ``.//``."""
        xpath = path or is_xpath(selector)
        steps = self._xpath_steps(selector) if xpath else self._css_steps(selector)
        node, previous = parent, None
        for number, (name, terms) in enumerate(steps, 1):
            last = number == len(steps)
            if name.startswith("following-sibling::"):
                assert previous is not None, selector
                holder = self._parent_of(previous)
                sibling = name.removeprefix("following-sibling::")
                if sibling == "text()":
                    previous.tail += text
                    return previous
                made = self._make(holder, sibling, terms, fresh=True, after=previous)
            else:
                holder = node
                if last and name in ("", "*") and tag:
                    name = tag
                made = self._make(holder, name, terms, fresh=fresh and last)
            previous = node = made
        if text:
            node.text += text
        return node

    def _parent_of(self, child: Node) -> Node:
        stack = [self.root]
        while stack:
            node = stack.pop()
            if child in node.children:
                return node
            stack += node.children
        raise AssertionError("not placed")

    @staticmethod
    def _xpath_steps(selector: str) -> list[tuple[str, list[str]]]:
        parts = [p for p in _split(selector.lstrip("."), "/") if p and p != "."]
        return [_predicates(p) for p in parts]

    @staticmethod
    def _css_steps(selector: str) -> list[tuple[str, list[str]]]:
        out = []
        for compound in _split(selector, " "):
            if not compound or compound == ">":
                continue
            tag = re.match(r"[a-zA-Z][\w-]*|\*", compound)
            terms = []
            for part in COMPOUND.findall(compound[tag.end() if tag else 0 :]):
                if part.startswith("#"):
                    terms.append(f"@id='{part[1:]}'")
                elif part.startswith("."):
                    terms.append(f"contains(@class, '{part[1:]}')")
                else:
                    attr, op, value = re.match(
                        r"\[([\w-]+)\s*(~?=)\s*['\"]?(.*?)['\"]?\]$", part
                    ).groups()  # type: ignore[union-attr]
                    terms.append(
                        f"contains(@class, '{value}')"
                        if op == "~=" and attr == "class"
                        else f"@{attr}='{value}'"
                    )
            out.append((tag.group(0) if tag else "", terms))
        return out

    def _make(
        self, parent: Node, name: str, terms: list[str], *, fresh: bool, after: Node | None = None
    ) -> Node:
        tag = _tag(name)
        attrs: dict[str, str] = {}
        classes: list[str] = []
        text, position, children = "", 1, []
        for term in (t for p in terms for t in _split(p, " and ")):
            term = term.strip()
            match = TERM.match(term)
            if term.isdigit():
                position = int(term)
            elif SKIPPED.match(term):
                continue
            elif match and match["attr"]:
                if match["attr"] == "class":
                    classes += match["value"].split()
                else:
                    attrs[match["attr"]] = match["value"]
            elif match and match["cattr"]:
                if match["cattr"] == "class":
                    classes.append(match["cvalue"])
                else:
                    attrs[match["cattr"]] = match["cvalue"]
            elif match and match["klass"]:
                classes.append(match["klass"])
            elif match and (match["text"] is not None or match["exact"] is not None):
                text = match["text"] if match["text"] is not None else match["exact"]
            else:
                children.append(term)
        if classes:
            attrs["class"] = " ".join(dict.fromkeys(classes))
        key = (tag, tuple(sorted(attrs.items())), text, position, tuple(children))
        same = [c for c in parent.children if c.tag == tag]
        if not fresh:
            for child in parent.children:
                if child.key == key:
                    return child
        node = Node(tag, attrs, text, key=key)
        fillers = [Node(tag) for _ in range(max(0, position - 1 - len(same)))]
        index = parent.children.index(after) + 1 if after else len(parent.children)
        parent.children[index:index] = [*fillers, node]
        for child in children:
            self.place_in(node, child, path=True)
        return node


def tabled(root: Node) -> None:
    """Rows and cells inside a table, as a browser insists (it drops them elsewhere)."""
    for index, child in enumerate(root.children):
        if child.tag == "tr" and root.tag not in ("table", "tbody", "thead"):
            root.children[index] = Node("table", children=[Node("tbody", children=[child])])
        elif root.tag == "tr" and child.tag not in ("td", "th"):  # a browser moves it out
            root.children[index] = Node("td", children=[child])
        elif child.tag in ("td", "th") and root.tag != "tr":
            row = Node("tr", children=[child])
            root.children[index] = Node("table", children=[Node("tbody", children=[row])])
        tabled(child)


@dataclass(frozen=True)
class Person:
    """What a result row says of someone."""

    name: str
    age: int
    place: str
    past: str = "Dallas, TX"
    relative: str = "John Doe"
    alias: str = "Janie Doe"

    def value(self, field_name: str) -> str:
        return {
            "name": self.name,
            "age": str(self.age),
            "locations": self.place,
            "addresses": self.place,
            "past_locations": self.past,
            "relatives": self.relative,
            "aliases": self.alias,
        }.get(field_name, "")


def _text(rule: FieldRule, value: str) -> str:
    """A value written so that the rule's trims give it back."""
    return f"{rule.after}{value}{rule.before}"


@dataclass
class Replica:
    """The pages: each a list of parts shown one after another."""

    pages: list[list[str]] = field(default_factory=lambda: [[]])
    needed: list[tuple[int, int, str]] = field(default_factory=list)
    """(page, part, selector) each step must find where it plays."""

    def html(self, page: int) -> bytes:
        parts = self.pages[page]
        script = JS % json.dumps(parts)
        body = f'<div id="replica">{parts[0] if parts else ""}</div>'
        head = "<meta charset='utf-8'><title>replica</title>"
        page = f"<html><head>{head}</head><body>{body}<script>{script}</script></body></html>"
        return f"<!doctype html>{page}".encode()


def build(
    steps: tuple[OptOutStep, ...], rows: list[Person], *, taken: frozenset[int] = frozenset()
) -> Replica:
    """The replica of ``steps``: conditions (by their 0-based step index) in ``taken`` find what
    they look for, the others do not."""
    replica = Replica()
    root = Node("div")
    maker = Maker(root)
    part = 0
    skip_to = -1

    def close(next_page: bool = False) -> None:
        nonlocal root, maker, part
        tabled(root)
        replica.pages[-1].append("".join(c.html() for c in root.children))
        root = Node("div")
        maker = Maker(root)
        if next_page:
            replica.pages.append([])
            part = 0
        else:
            part += 1

    for index, step in enumerate(steps):
        if index <= skip_to:
            continue
        where = (len(replica.pages) - 1, part)
        if step.action == "condition":
            if step.selector or step.text:
                if index not in taken:
                    skip_to = index + step.then
                    continue
                _look(maker, step, replica, where)
            continue
        if step.action == "fill":
            selector = step.selector
            node = maker.place(selector, tag="input")
            node.attrs["data-field"] = f"{index}:{step.value}"
            if node.tag == "select":
                options = (
                    range(step.minimum, step.maximum + 1)
                    if step.value == "generated_number"
                    else ["TX"]
                )
                node.children += [Node("option", {"value": str(o)}, str(o)) for o in options]
            replica.needed.append((*where, selector))
        elif step.action == "click":
            for copy in range(2 if step.all else 1):
                node = maker.place(step.selector, fresh=copy > 0, tag="button")
                node.text = node.text or "go"  # an empty element has no size to click
                node.attrs["data-click"] = f"{index}"
                if step.submit:
                    node.attrs |= {"data-post": "", "data-next": str(part + 1)}
            replica.needed.append((*where, step.selector))
            if step.submit:
                close()
        elif step.action in ("expect",):
            _look(maker, step, replica, where)
        elif step.action == "captcha":
            maker.root.children.append(
                Node("label", children=[Node("input", {"type": "checkbox", "id": "human"})])
            )
            if step.selector:
                maker.place(step.selector).attrs["data-solve"] = ""
        elif step.action == "choose_listing":
            for number, person in enumerate(rows):
                row = maker.place(step.selector, fresh=True)
                for name, rule in step.fields.items():
                    value = person.value(name)
                    if value:
                        maker.place_in(row, rule.selectors[0], _text(rule, value))
                button = maker.place_in(row, step.click, tag="button")
                button.text = button.text or "this one"
                button.attrs |= {"data-click": f"row-{number}", "data-next": str(part + 1)}
            replica.needed.append((*where, step.selector))
            close()
        elif step.action == "email_confirmation":
            close(next_page=True)
    close()
    return replica


def _look(maker: Maker, step: OptOutStep, replica: Replica, where: tuple[int, int]) -> None:
    """What an expect or a condition waits for: its element, or a paragraph with its text."""
    if step.selector and not step.selector.startswith("//body"):
        maker.place(step.selector)
        replica.needed.append((*where, step.selector))
    if step.text:
        maker.root.children.append(Node("p", text=step.text))


def check(replica: Replica) -> list[str]:
    """Selectors that find nothing where their step plays (empty: the replica is faithful)."""
    wrong = []
    for page, part, selector in replica.needed:
        part_html = replica.pages[page][part]
        tree = parse_html(f"<html><body><div id='replica'>{part_html}</div></body></html>")
        if not select(tree, selector):
            wrong.append(f"page {page} part {part}: {selector}")
    return wrong


@dataclass
class Site:
    """The running replica: its base URL and what it was sent."""

    base: str
    replica: Replica
    records: list[dict[str, Any]] = field(default_factory=list)
    confirmed: int = 0

    def clicked(self) -> list[str]:
        return [r["what"] for r in self.records if r["kind"] == "click"]

    def submits(self) -> list[dict[str, str]]:
        return [r["fields"] for r in self.records if r["kind"] == "submit"]


def _handler(holder: list[Site]) -> type[BaseHTTPRequestHandler]:
    class Handler(PageHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            site = holder[0]
            if urlsplit(self.path).path == "/confirm":
                site.confirmed += 1
                self._send(200, site.replica.html(min(1, len(site.replica.pages) - 1)))
            else:
                self._send(200, site.replica.html(0))

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            length = int(self.headers.get("Content-Length") or 0)
            holder[0].records.append(json.loads(self.rfile.read(length)))
            self._send(200, b"{}")

    return Handler


@contextmanager
def serve(replica: Replica) -> Iterator[Site]:
    holder: list[Site] = []
    with running(_handler(holder)) as server:
        holder.append(Site(f"http://127.0.0.1:{server.server_address[1]}", replica))
        yield holder[0]
