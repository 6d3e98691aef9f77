"""Checks that ask the gateway's history: is the claim a replacement or void names on file?

Kept apart from ``checks.py`` (the value checks); compiled with mypyc like it. The question
goes through the same look-up protocol as eligibility (``Env.history``): the gateway
answers from its database, scoped to the submitting partner; without history (``validate``
on a file alone) the answer is None and nothing is found.
"""

from __future__ import annotations

from typing import Final

from .evaluation import Check, Env, Violation
from .filekeys import FileKeys

__all__ = ["ORIGINAL_ON_FILE", "OriginalOnFileCheck"]

#: the look-up's question: does the claim a replacement or void names exist (and is it
#: active) among the claims this partner's claims are judged against?
ORIGINAL_ON_FILE: Final = "original_on_file"

#: originals remembered from earlier in the file before starting afresh (a file of more
#: original claims than this checks its later replacements against the database only)
_REMEMBER_MAX: Final = 1_000_000


class OriginalOnFileCheck(Check):
    """A replacement (CLM05-3 7) or void (8) names an original claim the gateway holds:
    REF*F8 is our claim number (the 277CA REF*1K), the plan's claim number once known, or
    the original's CLM01 for the same billing provider; an original earlier in the same
    file counts too."""

    def __init__(self, claim: int, frequency: int, reference: int, npi: int) -> None:
        self.trigger = frequency
        self.claim = claim
        self.frequency = frequency
        self.reference = reference
        self.npi = npi
        #: "NPI|CLM01" of the original claims earlier in this file
        self.originals = FileKeys()

    def run(self, env: Env, out: list[Violation]) -> None:
        frequency = env.slots[self.frequency][0]
        claims = env.slots[self.claim]
        npis = env.slots[self.npi]
        claim_id = claims[0].value if claims else ""
        npi = npis[0].value if npis else ""
        code = frequency.value.split(":")[-1] if ":" in frequency.value else frequency.value
        if code not in ("7", "8"):
            if claim_id:
                if len(self.originals) >= _REMEMBER_MAX:
                    self.originals.clear()
                self.originals.add(f"{npi}|{claim_id}")
            return
        refs = env.slots[self.reference]
        reference = refs[0].value if refs else ""
        if f"{npi}|{reference or claim_id}" in self.originals:
            return
        if env.history is None:
            return
        answer = env.history(ORIGINAL_ON_FILE, claim_id=claim_id, reference=reference, npi=npi)
        if answer is False:
            out.append(
                Violation(
                    refs[0] if refs else frequency,
                    {
                        "value": reference or claim_id,
                        "claim": claim_id,
                        "npi": npi or "(none)",
                        "kind": "replacement" if code == "7" else "void",
                    },
                )
            )
