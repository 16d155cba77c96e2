"""The campaigns of the Pacte pour la Transition: one per municipal election.

Adding a campaign is adding an entry here; the catalogue asset writes them to
`core.pact_campaign` before loading any catalogue or list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Campaign:
    code: str
    label: str
    election_year: int
    mandate_start: date
    mandate_end: date
    # The number of measures of the pact, when known; the catalogue is 1..measure_count
    # plus the principles, whether or not each title could be verified.
    measure_count: int | None
    principles: tuple[str, ...] = ()


CAMPAIGNS = (
    # First round 15 March 2020, second round postponed to 28 June 2020 (Covid); the
    # councils were installed from May to July 2020.
    Campaign("municipales-2020", "Municipales 2020", 2020, date(2020, 5, 18), date(2026, 3, 22),
             32, ("A", "B", "C")),
    # Rounds of 15 and 22 March 2026: the 2026-2032 mandate.
    Campaign("municipales-2026", "Municipales 2026", 2026, date(2026, 3, 22), date(2032, 3, 31),
             None),
)
CAMPAIGN_BY_CODE = {campaign.code: campaign for campaign in CAMPAIGNS}


def campaign_code(value: str | None) -> str | None:
    """A campaign as users write it ("2020", "Municipales 2020", "municipales-2020") -> its code;
    None when no campaign or several are named: "2020-2026" is not read as 2020."""
    text = (value or "").strip().lower()
    if text in CAMPAIGN_BY_CODE:
        return text
    years = set(re.findall(r"(?<!\d)\d{4}(?!\d)", text))
    named = [c for c in CAMPAIGNS if str(c.election_year) in years]
    return named[0].code if len(named) == 1 and len(years) == 1 else None


def current_campaign(today: date) -> Campaign:
    """The campaign whose mandate is running on `today` (the latest that started)."""
    started = [c for c in CAMPAIGNS if c.mandate_start <= today]
    return max(started or CAMPAIGNS, key=lambda c: c.mandate_start)
