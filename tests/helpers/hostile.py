"""Hostile report text: payloads that would run if a renderer let them, and a report whose every
string is one."""

from __future__ import annotations

from typing import Any

from helpers.sample import sample_report
from lowprofile.results import ScanReport

MARK = "document.documentElement.setAttribute('data-pwned','{}')"
PAYLOADS = [
    f"<script>{MARK.format('script')};document.title='PWNED'</script>",
    f'"><img src=x onerror="{MARK.format("img")}">',
    f"'><svg onload={MARK.format('svg')}>",
    f'" autofocus onfocus="{MARK.format("focus")}" x="',
    f"' onmouseover='{MARK.format('hover')}' x='",
    f"javascript:{MARK.format('link')}",
    f" JaVaScRiPt:{MARK.format('link2')}",
    f"java\tscript:{MARK.format('tab')}",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    f"</style><script>{MARK.format('style')}</script>",
    f"</title><script>{MARK.format('title')}</script>",
    f"</textarea><script>{MARK.format('textarea')}</script>",
    f'<iframe srcdoc="<script>parent.{MARK.format("iframe")}</script>"></iframe>',
    "<base href='https://evil.example/'>",
    "<meta http-equiv='refresh' content='0;url=https://evil.example/'>",
    "<div id=pwned>pwned</div><a href='javascript:alert(1)'>click</a>",
    "<!-- <script>x</script> -->]]><![CDATA[",
    "{{7*7}}{% raw %}{{ config }}[bold red]markup[/]",
    "\u202egnp.exe\x00\x1b[31m",
]
KEEP = frozenset({"status", "severity", "started", "finished", "schema_version", "grade", "kind"})
"""Fields whose value is an enum or a date: poisoning them makes a report unreadable, not
hostile (and is tested separately)."""


def poison(value: Any, payload: str, key: str = "", keep: frozenset[str] = KEEP) -> Any:
    """Every string of a JSON structure becomes the payload (the ``keep`` fields excepted), and
    every evidence dict gains the payload as a key too."""
    if isinstance(value, str):
        return value if key in keep else payload
    if isinstance(value, list):
        return [poison(v, payload, key, keep) for v in value]
    if isinstance(value, dict):
        out = {k: poison(v, payload, k, keep) for k, v in value.items()}
        if key == "evidence":
            out[payload] = payload
        return out
    return value


def hostile_dict(payload: str, keep: frozenset[str] = KEEP) -> dict[str, Any]:
    """A report lowprofile wrote (its ``tool`` section intact) with every string poisoned."""
    data = sample_report().to_dict()
    return {**poison(data, payload, keep=keep), "tool": data["tool"]}


def hostile_report(payload: str) -> ScanReport:
    return ScanReport.from_dict(hostile_dict(payload))
