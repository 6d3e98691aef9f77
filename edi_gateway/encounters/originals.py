"""Which stored claim a replacement or void (CLM05-3 7 or 8) names in REF*F8.

One look-up, used twice: the check stream asks it (through its history protocol, while the
file is checked: a claim whose original is not on file is rejected there, or passed on when
the plan's guide says so), and the encounter writer asks it again to link the stored
replacement or void to its original. REF*F8 may hold:

- our claim number, the REF*1K of our 277CA (``EG`` and the encounter id in ten digits);
- the plan's claim number, once known: its 277CA REF*1K for a forwarded claim or its 835
  CLP07;
- the original's CLM01 from the same billing provider (a replacement may also keep the
  original's CLM01 itself).

Only active claims the submitting partner's claims are judged against are candidates
(``Tenant.scope`` and ``Tenant.sees``): never another tenant's claim.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mappings.guides import BatchedHistory
from mappings.guides.history_checks import ORIGINAL_ON_FILE

from ..db import rows_for_values
from ..models import ClaimPaymentRow, Encounter, ForwardedClaim
from ..partners.tenancy import Tenant

__all__ = [
    "Named",
    "OriginalLookup",
    "SetHistory",
    "answering",
    "find_original",
    "find_originals",
    "original_probes",
    "our_claim_number",
]

_OURS = re.compile(r"EG([0-9]{10})")


def our_claim_number(encounter_id: int) -> str:
    """The claim control number the gateway gives an accepted claim (277CA REF*1K)."""
    return f"EG{encounter_id:010d}"


@dataclass(frozen=True, slots=True)
class Named:
    """What a replacement or void says of its original: its own CLM01, REF*F8 and billing
    NPI, and its own id once stored (never its own original)."""

    claim_id: str
    reference: str | None
    npi: str | None
    besides: int | None = None


async def find_original(
    session: AsyncSession,
    tenant: Tenant,
    *,
    claim_id: str,
    reference: str | None,
    npi: str | None,
    besides: int | None = None,
) -> int | None:
    """The id of the newest active claim the replacement or void names, or None."""
    [found] = await find_originals(session, tenant, [Named(claim_id, reference, npi, besides)])
    return found[0] if found else None


async def find_originals(
    session: AsyncSession, tenant: Tenant, named: Sequence[Named]
) -> list[list[int]]:
    """For each replacement or void, the ids of the active claims it may name, newest
    first: the claims this partner may change (its own, or its provider's via a peer).

    Each way of naming a claim is a batch of probes of its own index (CLM01, our claim
    number, the plan's number from its 835 or 277CA), so a batch costs the same however
    many claims are stored; the claims found are then read by id and judged (status,
    tenant) in one more batch of probes (``db.rows_for_values``: with statistics that
    have not seen the tenant's rows, the planner would otherwise start from the tenant's
    index and read every claim it has)."""
    dialect = session.get_bind().dialect.name
    by_clm01: dict[str, list[tuple[int, str | None]]] = {}
    by_plan_number: dict[str, set[int]] = {}
    clm01_probes, number_probes = original_probes(dialect, named)
    for stmt in clm01_probes:
        for enc_id, clm01, npi in (await session.execute(stmt)).all():
            by_clm01.setdefault(clm01, []).append((int(enc_id), npi))
    for stmt in number_probes:
        for enc_id, number in (await session.execute(stmt)).all():
            by_plan_number.setdefault(number, set()).add(int(enc_id))
    candidates: list[set[int]] = []
    for n in named:
        same = n.npi or None  # a claim without a billing NPI names one without it
        found = {i for i, npi in by_clm01.get(n.claim_id[:40], ()) if npi == same}
        if n.reference:
            ours = _OURS.fullmatch(n.reference)
            if ours is not None:
                found.add(int(ours.group(1)))
            found.update(i for i, npi in by_clm01.get(n.reference[:40], ()) if npi == same)
            found.update(by_plan_number.get(n.reference[:50], ()))
        if n.besides is not None:
            found.discard(n.besides)
        candidates.append(found)
    ids = sorted(set().union(*candidates))
    may_change: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        rows = await session.execute(
            rows_for_values(
                [Encounter.id, Encounter.partner_id, Encounter.billing_npi],
                Encounter.id,
                ids[start : start + _CHUNK],
                dialect,
                Encounter.status == "active",
                tenant.scope(Encounter.partner_id),
            )
        )
        may_change.update(int(i) for i, owner, npi in rows.all() if tenant.sees(owner, npi))
    return [sorted(found & may_change, reverse=True) for found in candidates]


#: values probed per statement
_CHUNK = 500


def original_probes(
    dialect: str, named: Sequence[Named]
) -> tuple[list[Select[Any]], list[Select[Any]]]:
    """The index probes that find what ``named`` may name: by CLM01 (claim id, CLM01,
    billing NPI), and by the plan's claim number from its 835 or 277CA (claim id,
    number)."""
    clm01s = sorted(
        {n.claim_id[:40] for n in named} | {n.reference[:40] for n in named if n.reference}
    )
    numbers = sorted({n.reference[:50] for n in named if n.reference})
    by_clm01 = [
        rows_for_values(
            [Encounter.id, Encounter.claim_id, Encounter.billing_npi],
            Encounter.claim_id,
            clm01s[start : start + _CHUNK],
            dialect,
        )
        for start in range(0, len(clm01s), _CHUNK)
    ]
    by_number: list[Select[Any]] = []
    for start in range(0, len(numbers), _CHUNK):
        chunk = numbers[start : start + _CHUNK]
        by_number.append(
            rows_for_values(
                [ClaimPaymentRow.encounter_id, ClaimPaymentRow.payer_claim_number],
                ClaimPaymentRow.payer_claim_number,
                chunk,
                dialect,
                ClaimPaymentRow.encounter_id.is_not(None),
            )
        )
        by_number.append(
            rows_for_values(
                [ForwardedClaim.encounter_id, ForwardedClaim.plan_claim_number],
                ForwardedClaim.plan_claim_number,
                chunk,
                dialect,
            )
        )
    return by_clm01, by_number


class OriginalLookup:
    """The check stream's question ``original_on_file``, answered on the event loop from
    the database while the stream runs in the parser's thread, for one tenant."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        loop: asyncio.AbstractEventLoop,
        tenant: Tenant,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.loop = loop
        self.tenant = tenant
        #: the answers for the replacements and voids about to be checked (one batch)
        self.known: dict[tuple[str, str, str], bool] = {}

    def ask(self, claim_id: str, reference: str, npi: str) -> bool:
        known = self.known.get((claim_id, reference, npi))
        if known is not None:
            return known
        future = asyncio.run_coroutine_threadsafe(
            self._found_all([(claim_id, reference, npi)]), self.loop
        )
        return future.result(timeout=60)[(claim_id, reference, npi)]

    def prefetch(self, named: Sequence[tuple[str, str, str]]) -> None:
        """Look up, in one round trip, the originals the next replacements and voids name
        ((CLM01, REF*F8, billing NPI) each); only this batch's answers are kept, so none is
        older than the claims it is for."""
        future = asyncio.run_coroutine_threadsafe(self._found_all(list(named)), self.loop)
        self.known = future.result(timeout=60)

    async def _found_all(
        self, named: list[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], bool]:
        async with self.sessionmaker() as session:
            found = await find_originals(
                session,
                self.tenant,
                [Named(claim_id, reference or None, npi) for claim_id, reference, npi in named],
            )
        return {key: bool(ids) for key, ids in zip(named, found, strict=True)}


def answering(original: OriginalLookup, other: BatchedHistory | None) -> SetHistory:
    """One history look-up for a transaction set: originals here, the rest to ``other``."""
    return SetHistory(original, other)


class SetHistory:
    """The history a transaction set's guide rules ask (a ``BatchedHistory``): whether a
    replacement's original is on file here, eligibility and the rest from ``other``."""

    def __init__(self, original: OriginalLookup, other: BatchedHistory | None) -> None:
        self.original = original
        self.other = other

    def __call__(self, question: str, **args: Any) -> bool | None:
        if question == ORIGINAL_ON_FILE:
            return self.original.ask(**args)
        return self.other(question, **args) if self.other is not None else None

    def prefetch(self, question: str, keys: Sequence[Any]) -> None:
        if question == ORIGINAL_ON_FILE:
            self.original.prefetch(keys)
        elif self.other is not None:
            self.other.prefetch(question, keys)

    def wants(self, question: str) -> bool:
        if question == ORIGINAL_ON_FILE:
            return True
        return self.other is not None and self.other.wants(question)
