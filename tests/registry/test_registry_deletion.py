"""Building requests: the law's wording, the least data, one message per address."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest

from lowprofile.optout.law import Law
from lowprofile.registry.catalogue import RegistryEntry
from lowprofile.registry.deletion import (
    build_message,
    build_requests,
    new_ref,
    select,
)
from lowprofile.registry.errors import RegistryError
from lowprofile.registry.match import match_all
from lowprofile.registry.prepare import prepare
from lowprofile.subject import Address, Name, Subject


def _person(*addresses: Address, phones: tuple[str, ...] = ()) -> Subject:
    return Subject(
        names=(Name("Jane", "Doe", "Q"),),
        emails=("jane@example.com",),
        addresses=addresses,
        phones=phones,
        birth_year=1985,
    )


def _entry(id_: str, email: str = "", url: str = "", *domains: str, dba: str = "") -> RegistryEntry:
    return RegistryEntry(
        id=id_,
        name=id_.title(),
        dba=dba,
        emails=(email,) if email else (),
        optout_url=url,
        domains=domains,
    )


def test_message_holds_name_email_state_and_nothing_else() -> None:
    person = _person(Address(city="Fresno", state="CA", postcode="93650", street="1 Elm St"),
                     phones=("559-555-0100",))  # fmt: skip
    entry = _entry("brightline", "privacy@brightline.example")
    given = new_ref()
    ref, message = build_message(
        (entry,), person, Law.CCPA, "jane@example.com", (), date(2026, 5, 1), ref=given
    )
    body = message.get_content()
    assert "California Consumer Privacy Act" in body
    assert (
        "- Name: Jane Q Doe\n- Email: jane@example.com\n- State of residence: California\n" in body
    )
    for private in ("Fresno", "93650", "Elm", "555", "1985"):
        assert private not in body
    assert message["To"] == "privacy@brightline.example"
    assert ref in message["Subject"] and ref in body
    assert ref == given
    assert "45 days" in body and "2026-05-01" in body


def test_added_fields_come_from_the_profile_or_fail() -> None:
    person = _person(Address(city="Fresno", state="CA", postcode="93650"))
    entry = _entry("b", "p@b.example")
    _, message = build_message(
        (entry,), person, Law.CCPA, "j@x.example", ("postcode", "birth-year"), ref="LP-0"
    )
    assert "- Postcode: 93650\n- Birth year: 1985\n" in message.get_content()
    with pytest.raises(RegistryError, match="the profile has no phone"):
        build_message((entry,), person, Law.CCPA, "j@x.example", ("phone",), ref="LP-0")
    with pytest.raises(RegistryError, match="--add 'ssn'"):
        build_message((entry,), person, Law.CCPA, "j@x.example", ("ssn",), ref="LP-0")


def test_one_message_per_address_naming_every_registration() -> None:
    entries = [
        _entry("lists", "DSAR@pine.example", dba="Pine Lists"),
        _entry("audiences", "dsar@pine.example", dba="Pine Audiences"),
        _entry("other", "privacy@other.example"),
        _entry("formonly", "", "https://formonly.example/delete"),
    ]
    requests = build_requests(entries, _person(Address(state="TX")), Law.PLAIN, "j@x.example")
    assert [r.recipient for r in requests] == ["dsar@pine.example", "privacy@other.example"]
    pine = requests[0]
    assert pine.broker_ids == ("lists", "audiences")
    body = pine.message.get_content()
    assert "- Pine Lists (Lists)\n- Pine Audiences (Audiences)\n" in body
    assert body.startswith("Dear privacy team,")


def test_gdpr_gives_country_not_state() -> None:
    person = _person(Address(city="Dublin", country="IE"))
    _, message = build_message(
        (_entry("b", "p@b.example"),), person, Law.GDPR, "j@x.example", ref="LP-0"
    )
    body = message.get_content()
    assert "Article 17" in body and "one month" in body
    assert "- Country of residence: IE\n" in body and "Dublin" not in body


def test_select_by_id_name_or_domain() -> None:
    entries = [_entry("acme", "a@acme.example", "", "acme.example"), _entry("zeta", "z@z.example")]
    assert [e.id for e in select(entries, ["ACME.example"])] == ["acme"]
    assert [e.id for e in select(entries, ["zet"])] == ["zeta"]
    assert len(select(entries, [])) == 2


@dataclass(frozen=True)
class _OptOut:
    method: str = "email"
    email: str = ""
    url: str = ""


class _Site:
    def __init__(self, id_: str, domain: str, *mirrors: str, optout: _OptOut = _OptOut()) -> None:
        self.id, self.domain, self.mirrors, self.optout = id_, domain, mirrors, optout


def test_matching_by_domain_subdomain_and_mirror() -> None:
    entries = [
        _entry("acxiom-llc", "p@a.example", "", "acxiom.com"),
        _entry("risk", "p@r.example", "", "risk.lexisnexis.com"),
        _entry("family", "p@f.example", "", "beenverified.com", "peoplelooker.com"),
        _entry("nobody", "p@n.example", "", "nobody.example"),
    ]
    sites = [
        _Site("acxiom", "www.acxiom.com"),
        _Site("lexisnexis", "lexisnexis.com"),
        _Site("beenverified", "beenverified.com"),
        _Site("peoplelooker", "peoplelooker.example", "peoplelooker.com"),
    ]
    assert match_all(entries, sites) == {
        "acxiom-llc": ("acxiom",),
        "risk": ("lexisnexis",),
        "family": ("beenverified", "peoplelooker"),
    }


def test_prepare_skips_asked_and_site_opted_out_and_lists_forms() -> None:
    entries = [
        _entry("family", "p@f.example", "", "beenverified.com", "peoplelooker.com"),
        _entry("acxiom-llc", "p@a.example", "", "acxiom.com"),
        _entry("asked", "p@asked.example"),
        _entry("new", "p@new.example"),
        _entry("form", "", "https://form.example/x"),
    ]
    sites = [_Site("beenverified", "beenverified.com"), _Site("peoplelooker", "peoplelooker.com"),
             _Site("acxiom", "acxiom.com")]  # fmt: skip
    prepared = prepare(
        entries,
        subject=_person(Address(state="TX")),
        law=Law.PLAIN,
        sender="j@x.example",
        sites=sites,
        site_optouts=["acxiom", "beenverified"],  # peoplelooker not yet: the family is still asked
        asked={"p@asked.example"},
    )
    assert [r.recipient for r in prepared.pending] == ["p@f.example", "p@new.example"]
    assert prepared.already_asked == ["p@asked.example"]
    assert [(e.id, s) for e, s in prepared.covered_by_site_optout] == [("acxiom-llc", ("acxiom",))]
    assert [e.id for e in prepared.web_forms] == ["form"]


def test_references_are_random_and_kept_for_a_recipient_asked_before() -> None:
    """A reference computed from the public address could be forged into a fake reply."""
    refs = {new_ref() for _ in range(50)}
    assert len(refs) == 50 and all(re.fullmatch(r"LP-[0-9A-F]{16}", r) for r in refs)
    person = _person(Address(city="Austin", state="TX"))
    entry = _entry("brightline", "privacy@brightline.example")
    fresh = build_requests([entry], person, "plain", "j@x.example")
    again = build_requests([entry], person, "plain", "j@x.example")
    assert fresh[0].ref != again[0].ref
    kept = build_requests(
        [entry], person, "plain", "j@x.example", refs={"privacy@brightline.example": "LP-KEPT"}
    )
    assert kept[0].ref == "LP-KEPT" and "[LP-KEPT]" in kept[0].message["Subject"]
