"""A maintained definition's opt-out flow as our ``[[optout.steps]]``, or the gap that stops it.

DuckDuckGo's 2026-02 definitions describe each broker's opt-out as a list of actions (navigate,
fillForm, click, expectation, getCaptchaInfo, emailConfirmation, condition…). The importer calls
``optout_block`` when it rebuilds a broker file: the flow read into our vocabulary
(``brokers/README.md``), as TOML to append, or nothing when the flow asks for what our steps
cannot say (the gaps are named by ``translate``), when the definition was withdrawn, or when the
domain was seized. Steps written by hand from a proved form are kept instead.

What is a submit is not written in a definition. A click is the one that sends when it ends a
run of clicks (and captchas) that follows data entered since the last submit (a fill, or a row
chosen): the button after the form, never the terms checkbox before it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from lxml.cssselect import LxmlTranslator

from lowprofile.brokers.importer import (
    card_relative,
    fields_of,
    hand_written_steps,
    read_definition,
    translate_template,
)
from lowprofile.brokers.select import is_xpath

VALUES = {
    "fullName": "full_name",
    "firstName": "first",
    "middleName": "middle",
    "lastName": "last",
    "email": "email",
    "profileUrl": "listing_url",
    "city": "city",
    "state": "state",
    "cityState": "city_state",
    "zipCode": "zip",
    "age": "age",
    "birthYear": "birth_year",
    "$generated_zip_code$": "generated_zip_code",
    "$generated_phone_number$": "generated_phone_number",
    "$generated_street_address$": "generated_street_address",
    "$generated_random_number$": "generated_number",
}
"""The definitions' form values that are ours (the person's, or made up by a shown rule)."""
NEVER = {
    "idUpload": "an ID upload",
    "photoId": "an ID upload",
    "phoneCall": "a phone call",
    "payment": "a payment",
}
"""What no step of ours does for the person, by the names a definition would give it (none of
the 2026-02 flows has one): each is a named gap, never a step."""
MARK = "# Opt-out steps: translated by lowprofile.brokers.import_optout from"
USUAL_POLL = 30.0
MAIL_ROUNDS = 10
"""A definition polls for the mail every ``pollingTime`` seconds (``USUAL_POLL`` mostly), about
this many times. A longer interval says the broker's link works only later (InfoTracer's, "not
valid for ~1 hour after submission"): the step's ``delay`` is that whole span, at most an hour."""
DATA = ("fill", "choose_listing")
"""Steps that enter data: the next click that ends a run of clicks sends it."""


@dataclass
class Flow:
    """A definition's opt-out flow in our steps, and what they cannot say of it."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)


def within(form: str, element: str) -> str:
    """``element`` inside ``form`` as one selector (a definition's fillForm names both)."""
    if not form:
        return card_relative(element)[1:] if element.startswith(".//") else element
    if is_xpath(form) != is_xpath(element):
        form, element = (_as_xpath(s) for s in (form, element))
    if not is_xpath(form):
        return f"{form} {element}"
    tail = element[1:] if element.startswith(".//") else element.lstrip(".")
    return form + (tail if tail.startswith("//") else "//" + tail.lstrip("/"))


def _as_xpath(selector: str) -> str:
    if is_xpath(selector):
        return selector
    return LxmlTranslator().css_to_xpath(selector, prefix="//").replace("/descendant::", "//")


def _page_wide(selector: str) -> str:
    """A click or expectation looks in the whole page: ``.//x`` is ``//x`` there."""
    return selector[1:] if selector.startswith(".//") else selector


def _value(element: dict[str, Any], flow: Flow) -> dict[str, Any] | None:
    kind = str(element.get("type", ""))
    value = VALUES.get(kind)
    if value is None:
        flow.gaps.append(NEVER.get(kind) or f"fills {kind}, which no step of ours can say")
        return None
    out: dict[str, Any] = {"value": value}
    if value == "generated_number":
        out |= {"min": int(element.get("min", 0)), "max": int(element.get("max", 0))}
    return out


def _fill(action: dict[str, Any], flow: Flow) -> None:
    for element in action.get("elements", []):
        value = _value(element, flow)
        if value is not None:
            selector = within(str(action.get("selector", "")), element["selector"])
            flow.steps.append({"action": "fill", "selector": selector, **value})


def _row_fields(profile: dict[str, Any]) -> dict[str, Any]:
    """A profileMatch's row fields as ``[parse.fields]`` rules: read as the importer reads a
    scan's result card (the same profile keys, trims and past-address lists)."""
    extract = {"actionType": "extract", "profile": profile}
    return fields_of(read_definition({"steps": [{"stepType": "scan", "actions": [extract]}]}, ""))


def _click(action: dict[str, Any], flow: Flow) -> None:
    if "choices" in action:
        _choices(action, flow)
        return
    for element in action.get("elements", []):
        match = element.get("parent", {}).get("profileMatch")
        if match:
            step = {
                "action": "choose_listing",
                "selector": match["selector"],
                "click": card_relative(element["selector"]),
                "fields": _row_fields(match.get("profile", {})),
            }
            flow.steps.append(step)
            continue
        step = {"action": "click", "selector": _page_wide(element["selector"])}
        if element.get("multiple"):
            step["all"] = True
        if action.get("failSilently"):
            step["optional"] = True
        flow.steps.append(step)


def _choices(action: dict[str, Any], flow: Flow) -> None:
    """A click chosen by a value (PrivateReports asks "older than 45?"): one condition per
    choice, and the default when none holds."""
    bounds: list[tuple[str, str, float]] = []
    for choice in action["choices"]:
        rule = choice.get("condition", {})
        variable = str(rule.get("left", "")).strip("${}")
        value = VALUES.get(variable)
        if value is None or rule.get("operation") not in (">=", "<"):
            flow.gaps.append(f"a click chosen by {rule}, which no condition of ours can say")
            return
        key = "at_least" if rule["operation"] == ">=" else "below"
        bounds.append((value, key, float(rule["right"])))
        _when(flow, value, key, float(rule["right"]), choice["elements"])
    default = action.get("default", {}).get("elements", [])
    if len(bounds) == 1 and default:  # "else": the other side of the one bound
        value, key, number = bounds[0]
        _when(flow, value, "below" if key == "at_least" else "at_least", number, default)
    elif default:
        flow.gaps.append("a default click after several choices")


def _when(flow: Flow, value: str, key: str, number: float, elements: list[Any]) -> None:
    """Clicks that run only when ``value`` is ``key`` (at_least / below) ``number``."""
    clicks = [{"action": "click", "selector": _page_wide(e["selector"])} for e in elements]
    flow.steps.append({"action": "condition", "value": value, key: number, "then": len(clicks)})
    flow.steps += clicks


def _expectations(action: dict[str, Any], flow: Flow) -> None:
    """Each expectation as an expect step; one with actions (or a ``condition``) governs them."""
    inner = action.get("actions")
    if inner is not None or action["actionType"] == "condition":
        [expectation, *more] = action.get("expectations") or [{}]
        if more:
            flow.gaps.append("a condition on several expectations")
        condition: dict[str, Any] = {"action": "condition", **_looked_for(expectation, flow)}
        at = len(flow.steps)
        flow.steps.append(condition)
        _read(inner or [], flow)
        condition["then"] = len(flow.steps) - at - 1
        return
    for expectation in action.get("expectations", []):
        step: dict[str, Any] = {"action": "expect", **_looked_for(expectation, flow)}
        if expectation.get("failSilently"):
            step["optional"] = True
        flow.steps.append(step)


def _looked_for(expectation: dict[str, Any], flow: Flow) -> dict[str, str]:
    kind = expectation.get("type")
    if kind == "text":
        return {"text": str(expectation["expect"])}
    if kind == "url":
        return {"url": str(expectation["expect"])}
    if kind != "element":
        flow.gaps.append(f"an expectation of type {kind}")
    return {"selector": _page_wide(str(expectation.get("selector", "")))}


def _read(actions: list[dict[str, Any]], flow: Flow) -> None:
    for action in actions:
        kind = action["actionType"]
        before = len(flow.steps)
        if kind == "navigate":
            url = translate_template(str(action["url"]))
            if url is None:
                flow.gaps.append(f"navigates to {action['url']}, whose variables we lack")
            else:
                flow.steps.append({"action": "navigate", "url": url})
        elif kind in ("expectation", "condition"):
            _expectations(action, flow)
        elif kind == "fillForm":
            _fill(action, flow)
        elif kind == "click":
            _click(action, flow)
        elif kind == "getCaptchaInfo":
            captcha = action.get("captchaType", "reCAPTCHA")
            note = f"{captcha}: the person solves it in the visible window"
            flow.steps.append({"action": "captcha", "note": note})
        elif kind == "emailConfirmation":
            step: dict[str, Any] = {"action": "email_confirmation"}
            polling = float(action.get("pollingTime", USUAL_POLL))
            if polling > USUAL_POLL:
                step["delay"] = min(3600.0, polling * MAIL_ROUNDS)
            flow.steps.append(step)
        elif kind != "solveCaptcha":  # the second half of getCaptchaInfo's step
            flow.gaps.append(NEVER.get(kind) or f"{kind}, which no step of ours can say")
        if action.get("_comment") and len(flow.steps) > before:
            flow.steps[before].setdefault("note", str(action["_comment"]))


def _mark_submits(steps: list[dict[str, Any]]) -> None:
    """The click that ends a run of clicks after data was entered sends it (module docstring)."""
    entered = False
    last_click: dict[str, Any] | None = None
    for step in [*steps, {"action": "end"}]:
        action = step["action"]
        if action == "click":
            last_click = step
        elif action != "captcha":
            if entered and last_click is not None:
                last_click["submit"] = True
                entered = False
            last_click = None
        entered = entered or action in DATA


def translate(definition: dict[str, Any]) -> Flow:
    """The definition's opt-out flow in our steps, with every gap named."""
    flow = Flow()
    flows = [s for s in definition.get("steps", []) if s.get("stepType") == "optOut"]
    if not flows:
        flow.gaps.append("no opt-out flow")
        return flow
    if not flows[0].get("actions"):
        flow.gaps.append("no steps of its own (its parent's opt-out covers it)")
        return flow
    _read(flows[0].get("actions", []), flow)
    _mark_submits(flow.steps)
    if not any(s.get("submit") for s in flow.steps):
        flow.gaps.append("no click that sends the form")
    return flow


def optout_block(existing: str, definition_path: Path, optout: dict[str, Any]) -> str:
    """The ``[[optout.steps]]`` to append to a rebuilt broker file: steps written by hand
    (``existing`` holds them, without this module's mark) are kept; otherwise the definition's
    flow, unless it has a gap, was withdrawn, or the domain was seized (``optout``'s notes)."""
    kept = hand_written_steps(existing)
    if kept and MARK not in kept:
        return kept
    if not definition_path.is_file() or "court order" in str(optout.get("notes", "")):
        return ""
    definition = json.loads(definition_path.read_text("utf-8"))
    flow = translate(definition)
    if flow.gaps or definition.get("removedAt"):
        return ""
    version = definition.get("version", "?")
    header = f"{MARK}\n# {definition_path.name} (version {version}).\n"
    return "\n" + header + "\n".join(_as_toml(step) for step in flow.steps)


def _as_toml(step: dict[str, Any]) -> str:
    """One step as an ``[[optout.steps]]`` table (never an inline one: a person edits these),
    its row fields as subtables."""
    flat = {k: v for k, v in step.items() if k != "fields"}
    text = "[[optout.steps]]\n" + tomli_w.dumps(flat)
    for name, rule in step.get("fields", {}).items():
        text += f"\n[optout.steps.fields.{name}]\n" + tomli_w.dumps(rule)
    return text
