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
from typing import Any

from sqlalchemy import Select, select, true, union
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mappings.guides import BatchedHistory
from mappings.guides.history_checks import ORIGINAL_ON_FILE

from ..models import ClaimPaymentRow, Encounter, ForwardedClaim
from ..partners.tenancy import Tenant

__all__ = [
    "OriginalLookup",
    "SetHistory",
    "answering",
    "find_original",
    "originals_named",
    "our_claim_number",
]

_OURS = re.compile(r"EG([0-9]{10})")


def our_claim_number(encounter_id: int) -> str:
    """The claim control number the gateway gives an accepted claim (277CA REF*1K)."""
    return f"EG{encounter_id:010d}"


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
    stmt = originals_named(
        tenant,
        session.get_bind().dialect.name,
        claim_id=claim_id,
        reference=reference,
        npi=npi,
        besides=besides,
    )
    rows = (await session.execute(stmt)).all()
    # the newest one this partner may change: its own, or its provider's via a peer
    return next((int(r[0]) for r in rows if tenant.sees(r[1], r[2])), None)


def originals_named(
    tenant: Tenant,
    dialect: str,
    *,
    claim_id: str,
    reference: str | None,
    npi: str | None,
    besides: int | None = None,
) -> Select[int, int | None, str | None]:
    """The active claims, newest first, a replacement or void may name (id, partner, NPI).

    Each way of naming one is a probe of its own index (CLM01, our claim number, the plan's
    number from its 835 or 277CA), so a look-up costs the same however many claims are
    stored. On PostgreSQL the claims found are then read by id, each on its own (a LATERAL
    sub-select kept apart by OFFSET 0), and judged (NPI, status, tenant) outside it: with
    statistics that have not seen the tenant's rows, the planner would otherwise start
    from the tenant's index and read every claim it has (as ``db.rows_for_values``)."""
    same_npi = Encounter.billing_npi == npi if npi else Encounter.billing_npi.is_(None)
    probes: list[Select[Any, Any]] = [
        select(Encounter.id.label("id"), same_npi.label("ok")).where(
            Encounter.claim_id == claim_id[:40]
        )
    ]
    if reference:
        ours = _OURS.fullmatch(reference)
        if ours is not None:
            probes.append(select(Encounter.id, true()).where(Encounter.id == int(ours.group(1))))
        probes.append(select(Encounter.id, same_npi).where(Encounter.claim_id == reference[:40]))
        probes.append(
            select(ClaimPaymentRow.encounter_id, true()).where(
                ClaimPaymentRow.payer_claim_number == reference[:50],
                ClaimPaymentRow.encounter_id.is_not(None),
            )
        )
        probes.append(
            select(ForwardedClaim.encounter_id, true()).where(
                ForwardedClaim.plan_claim_number == reference[:50]
            )
        )
    # OFFSET 0: the NPI test stays outside, so each probe reads its own index only
    named = (union(*probes) if len(probes) > 1 else probes[0]).offset(0).subquery("named")
    judged = [Encounter.status == "active", tenant.scope(Encounter.partner_id)]
    if besides is not None:
        judged.append(Encounter.id != besides)
    if dialect != "postgresql":
        return (
            select(Encounter.id, Encounter.partner_id, Encounter.billing_npi)
            .join(named, named.c.id == Encounter.id)
            .where(named.c.ok, *judged)
            .order_by(Encounter.id.desc())
        )
    tests = [condition.label(f"judged_{n}") for n, condition in enumerate(judged)]
    claim = (
        select(Encounter.id, Encounter.partner_id, Encounter.billing_npi, *tests)
        .where(Encounter.id == named.c.id)
        .offset(0)
        .lateral("claim")
    )
    found = list(claim.c)
    return (
        select(found[0], found[1], found[2])
        .select_from(named)
        .join(claim, true())
        .where(named.c.ok, *found[3:])
        .order_by(found[0].desc())
    )


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
        found: dict[tuple[str, str, str], bool] = {}
        async with self.sessionmaker() as session:
            for claim_id, reference, npi in named:
                original = await find_original(
                    session, self.tenant, claim_id=claim_id, reference=reference or None, npi=npi
                )
                found[(claim_id, reference, npi)] = original is not None
        return found


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
