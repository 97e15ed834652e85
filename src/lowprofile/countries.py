"""Countries as ISO 3166-1 alpha-2 codes, and which of them have the GDPR.

A profile names the country of each address, so the law of a request (``optout.law``) and the
reach of US-only sites (``brokers.reach``) are decided from a code, never from free text. The
list is the ISO 3166-1 alpha-2 table (as shipped in tzdata's ``iso3166.tab``); the region and
the city stay free-form, since only US states are checked against a list.
"""

from __future__ import annotations

from lowprofile.errors import ProfileError

ISO_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()
)
"""Every assigned ISO 3166-1 alpha-2 code."""

ALIASES = {"USA": "US", "UK": "GB", "U.S.": "US", "U.S.A.": "US"}
"""Spellings people use for a code that is not theirs (the UK's code is GB)."""

GDPR_COUNTRIES = frozenset(
    """
    AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE
    IS LI NO
    GB GG JE IM GI
    AX GF GP MQ RE YT MF
    """.split()
)
"""Where the GDPR (or the UK GDPR) protects residents: the EU's 27 states, the rest of the
EEA (Iceland, Liechtenstein, Norway), the UK with the Crown Dependencies and Gibraltar, and the
EU's outermost regions that carry their own ISO code."""


def normalize_country(country: str) -> str:
    """``de``, ``USA``, ``UK`` → ``DE``, ``US``, ``GB``; anything else as typed (upper case)."""
    value = country.strip().upper()
    return ALIASES.get(value, value)


def check_country(country: str) -> str:
    """An ISO 3166-1 alpha-2 code (``DE``, ``gb``), or an input error naming the value: a
    country decides the law of every request, so ``Germany`` must not silently mean "nowhere"."""
    code = normalize_country(country)
    if code in ISO_CODES:
        return code
    raise ProfileError(
        f"country {country.strip()!r} is not an ISO 3166 country code (e.g. US, DE, GB)"
    )


def is_us(country: str) -> bool:
    """True for the United States, however the profile spells it."""
    return normalize_country(country) == "US"
