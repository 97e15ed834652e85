"""A maintained definition's scan flow as search steps: forms, questions and captchas kept.

DuckDuckGo's definitions describe some searches as a flow rather than a URL: open a landing
page, fill the name form, click search, answer "is the person over 45?" when the site asks,
meet a captcha sometimes, then read the results (the PrivateReports family, InfoTracer's
"I am not a robot" button, the BeenVerified opt-out search). A plain GET of the first URL reads
none of that, so the importer used to make such sites manual. This module says the flow in the
opt-out steps' vocabulary (``[[search.steps]]``, played by ``BrowserEngine.play``):

- ``navigate`` → the search's ``url`` (the first) or a ``navigate`` step;
- ``fillForm`` → one ``fill`` per element, naming the search value (first, middle, last...);
- ``click`` → ``click`` (``multiple`` → ``all``; ``failSilently`` → only ``when`` it is there);
  a click with ``choices`` → one click per choice with its ``when_value``, then the default;
- ``expectation`` → ``expect``; one that may fail silently and carries actions, or a
  ``condition``, → those actions, each ``when`` the expected element is on the page;
- ``getCaptchaInfo``/``solveCaptcha`` → one ``captcha`` step (an unattended scan stops there:
  ``blocked``, never "nobody here"; the captcha's own submit button is the person's to press).

What cannot be said is a named gap (the recipe then stays manual, with the gap in its file's
opening comment); what is left out on purpose is a named note, never a silent shortening.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FILL_VALUES = {
    "firstName": "first",
    "middleName": "middle",
    "lastName": "last",
    "city": "city",
    "state": "state",
    "zip": "zip",
    "age": "age",
}
"""A definition's form element type → the search value our ``fill`` names."""
CAPTCHA_ACTIONS = ("getCaptchaInfo", "solveCaptcha")
_CONDITION = re.compile(r"^\$\{(\w+)\}$")
_CONDITION_VALUES = {"age": "age"}
_OPERATIONS = (">=", "<=", "==", "!=", ">", "<")

Translate = Callable[[str], str | None]
"""The importer's URL template translation (``${firstName}`` → ``{first}``)."""


@dataclass
class Flow:
    """A scan flow said as a search: the first page, the steps after it, and what is missing
    (``gaps``: the flow cannot be played as written) or left out on purpose (``notes``)."""

    url: str = ""
    steps: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def scan_actions(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The actions of a definition's (first) scan step, as written."""
    for step in data.get("steps", []):
        if step.get("stepType") == "scan":
            return [a for a in step.get("actions", []) if isinstance(a, dict)]
    return []


def needs_steps(actions: list[dict[str, Any]]) -> bool:
    """Whether a plain page fetch cannot do this search: a form to fill or something to press
    before the results. Waits alone (a challenge passing, the cards appearing) are what the
    page fetch already does, and a captcha alone is a bot wall the page reading recognises."""
    return any(a.get("actionType") in ("fillForm", "click") for a in actions)


def search_flow(actions: list[dict[str, Any]], translate: Translate) -> Flow:
    """The search steps for a scan flow (``needs_steps`` said it needs them)."""
    flow = Flow()
    for number, action in enumerate(actions):
        kind = str(action.get("actionType", ""))
        if kind == "extract":
            if number != len(actions) - 1:
                flow.gaps.append("actions after the results are read")
            return flow
        if kind == "navigate" and not flow.url:
            flow.url = _url(action, translate, flow)
            continue
        _action(action, flow, translate, when="")
    flow.gaps.append("no results to read at the end of the flow")
    return flow


def _url(action: dict[str, Any], translate: Translate, flow: Flow) -> str:
    url = translate(str(action.get("url", "")))
    if not url:
        flow.gaps.append(f"a page address it cannot fill in ({action.get('url')})")
        return ""
    return url


def _action(action: dict[str, Any], flow: Flow, translate: Translate, when: str) -> None:
    """One definition action (``when``: the selector that must be on the page, from an
    enclosing condition) appended to the flow as our steps."""
    kind = str(action.get("actionType", ""))
    base = {"when": when} if when else {}
    if kind == "navigate":
        flow.steps.append({"action": "navigate", "url": _url(action, translate, flow), **base})
    elif kind == "fillForm":
        for element in action.get("elements", []):
            value = FILL_VALUES.get(str(element.get("type")))
            if value is None:
                flow.gaps.append(f"a form field of a kind the profile does not hold ({element})")
                continue
            flow.steps.append(
                {"action": "fill", "selector": str(element["selector"]), "value": value, **base}
            )
    elif kind == "click":
        _click(action, flow, when)
    elif kind in ("expectation", "condition"):
        _expectation(action, flow, translate, when)
    elif kind in CAPTCHA_ACTIONS:
        if kind == "getCaptchaInfo":  # its solveCaptcha follows: one captcha step for both
            flow.steps.append({"action": "captcha", **base})
    else:
        flow.gaps.append(f"a {kind or 'nameless'} action")


def _click(action: dict[str, Any], flow: Flow, when: str) -> None:
    choices = action.get("choices") or []
    for choice in choices:
        compared = _compared(choice.get("condition") or {})
        if compared is None:
            flow.gaps.append(f"a choice on a condition it cannot say ({choice.get('condition')})")
            continue
        for element in choice.get("elements", []):
            flow.steps.append(_click_step(element, action, when, compared))
    default = action.get("default") or {}
    elements = action.get("elements", []) if not choices else default.get("elements", [])
    for element in elements:
        flow.steps.append(_click_step(element, action, when, ""))


def _click_step(
    element: dict[str, Any], action: dict[str, Any], when: str, compared: str
) -> dict[str, Any]:
    """One click; one that may miss (``failSilently``) runs only when its element is there,
    after a choice's click has moved the page on, the default finds nothing to do."""
    selector = str(element["selector"])
    step: dict[str, Any] = {"action": "click", "selector": selector}
    silent = element.get("failSilently") or action.get("failSilently")
    if element.get("multiple") and not when:
        silent = False  # clicking every one found: none found is already no failure
    if when or silent:
        step["when"] = when if when and not silent else selector
    if compared:
        step["when_value"] = compared
    if element.get("multiple"):
        step["all"] = True
    return step


def _compared(condition: dict[str, Any]) -> str | None:
    """``{"left": "${age}", "operation": ">=", "right": "45"}`` → ``{age} >= 45``."""
    left = _CONDITION.match(str(condition.get("left", "")))
    operation, right = str(condition.get("operation", "")), str(condition.get("right", ""))
    if left is None or left.group(1) not in _CONDITION_VALUES or operation not in _OPERATIONS:
        return None
    if not right.lstrip("-").isdigit():
        return None
    return f"{{{_CONDITION_VALUES[left.group(1)]}}} {operation} {right}"


def _expectation(action: dict[str, Any], flow: Flow, translate: Translate, when: str) -> None:
    """An expectation waits for its elements; one that may fail silently is a question: its
    actions run when the element is there (a ``condition`` is always such a question)."""
    expected = [e for e in action.get("expectations", []) if isinstance(e, dict)]
    nested = [a for a in action.get("actions", []) if isinstance(a, dict)]
    conditional = action.get("actionType") == "condition" or any(
        e.get("failSilently") for e in expected
    )
    for expectation in expected:
        if expectation.get("type") != "element" or not expectation.get("selector"):
            flow.gaps.append(f"an expectation of a kind it cannot say ({expectation})")
            return
    if not conditional:
        for expectation in expected:
            step = {"action": "expect", "selector": str(expectation["selector"])}
            flow.steps.append({**step, "when": when} if when else step)
        return
    if not nested:
        what = ", ".join(str(e["selector"]) for e in expected)
        flow.notes.append(
            f"A pause waiting for {what} (which may never appear) is left out: the steps wait "
            "for each page to load instead."
        )
        return
    if len(expected) != 1:
        flow.gaps.append("a condition on several elements at once")
        return
    if any(a.get("actionType") == "extract" for a in nested):
        flow.gaps.append("a branch that reads another page layout")
        return
    selector = str(expected[0]["selector"])
    captcha = any(a.get("actionType") in CAPTCHA_ACTIONS for a in nested)
    if captcha:
        flow.steps.append({"action": "captcha", "when": selector})
        flow.notes.append(
            f"When it shows a captcha ({selector}), an unattended scan stops there and reads "
            "blocked; with --show-browser the person solves it."
        )
        return
    for inner in nested:
        _action(inner, flow, translate, when=selector)
