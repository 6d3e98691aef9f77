"""Whose records a file may link to or judge.

A file belongs to the partner that sent it (or on whose behalf ops sent it). Every look-up
that links a new record to a stored one or judges it against stored ones (duplicates,
replacements and voids, 835 matching, eligibility) goes through a ``Tenant``, so that a
file from one partner can never change, block or reveal what another partner owns:

- 837 claims are judged against the encounters of the submitting partner and of the
  partners acting for the same billing provider (a provider and the clearinghouse that
  both list its NPI); a clearinghouse sends only for the NPIs listed on it.
- 835 claim payments match encounters sent to the paying plan.
- Eligibility (companion rule R46) is checked against the roster of the plan the claim is
  for: the plan partner whose interchange id is the claim's ISA08 or GS03.
- Files from the command line without a partner are the local operator's: they are judged
  only against other such files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, bindparam
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import SQLCoreOperations

from .repository import PartnerRepository

CLAIMS = frozenset({"837P", "837I", "837D"})
#: the transaction sets each role may send; ops may send anything
ROLE_GUIDES: Mapping[str, frozenset[str]] = {
    "provider": CLAIMS,
    "clearinghouse": CLAIMS,
    # a plan's answers to the 837s forwarded to it come back as 999 and 277CA
    "plan": frozenset({"834", "835", "999", "277CA"}),
}


@dataclass(frozen=True)
class Tenant:
    #: the partner the file belongs to; None for a local file sent without a partner
    partner_id: int | None
    role: str | None = None
    #: the partner's own interchange ids (ISA06 it may send under)
    sender_ids: frozenset[str] = frozenset()
    #: billing NPIs listed on the partner
    npis: frozenset[str] = frozenset()
    #: for each of those NPIs, the other partners that list it
    peers: Mapping[str, frozenset[int]] = field(default_factory=dict)
    #: interchange or group id -> the plan partner it belongs to
    plans: Mapping[str, int] = field(default_factory=dict)
    #: plan partner -> its interchange ids (the ISA06 of its rosters)
    plan_senders: Mapping[int, frozenset[str]] = field(default_factory=dict)

    @property
    def allowed_guides(self) -> frozenset[str] | None:
        """What this partner may send (None: anything, for ops and local files)."""
        if self.role is None or self.role == "ops":
            return None
        return ROLE_GUIDES.get(self.role, frozenset())

    @property
    def allowed_senders(self) -> frozenset[str] | None:
        """The ISA06 values this partner may send under (None: any)."""
        if self.role is None or self.role == "ops":
            return None
        return self.sender_ids

    def may_bill_for(self, npi: str | None) -> bool:
        """A clearinghouse sends only for its listed providers; so does a provider that
        lists its NPIs."""
        if self.role == "clearinghouse" or (self.role == "provider" and self.npis):
            return npi is not None and npi in self.npis
        return True

    def scope(self, partner_col: SQLCoreOperations[int | None]) -> ColumnElement[bool]:
        """Stored rows that may be in scope: the partner's and its peers' (narrow with
        ``sees``)."""
        ids = self.scope_ids()
        return partner_col.is_(None) if ids is None else partner_col.in_(ids)

    def scope_ids(self) -> list[int] | None:
        """The partners whose rows ``scope`` admits (None: a local file's, no partner's):
        the value of ``bound_scope``'s parameter ``scope_ids``."""
        if self.partner_id is None:
            return None
        ids = {self.partner_id}
        for peers in self.peers.values():
            ids.update(peers)
        return sorted(ids)

    def sees(self, partner_id: int | None, billing_npi: str | None) -> bool:
        """Whether a stored encounter (its partner and billing NPI) is one this partner's
        claims may be judged against or may replace or void."""
        if partner_id == self.partner_id:
            return True
        return (
            partner_id is not None
            and billing_npi is not None
            and partner_id in self.peers.get(billing_npi, frozenset())
        )

    def claim_key(self, billing_npi: str | None, claim_id: str) -> str:
        """The key of an active claim (CLM01 for a billing provider) that is unique among
        the claims this partner's claims are judged against: two claims with the same key
        are duplicates (``sees``). Claims for an NPI the partner lists share the key with
        its peers' claims for it; otherwise the key is the partner's own (or the local
        operator's). Stored on the encounter under a unique index, so that the database
        itself keeps a claim from being stored twice, even by two workers at once."""
        if billing_npi is not None and billing_npi in self.npis:
            owner = "n"
        elif self.partner_id is None:
            owner = "local"
        else:
            owner = f"p{self.partner_id}"
        return f"{owner}|{billing_npi or ''}|{claim_id}"

    def plan_for(self, *ids: str) -> int | None:
        """The plan partner one of these interchange or group ids belongs to."""
        for value in ids:
            plan = self.plans.get(value.strip())
            if plan is not None:
                return plan
        return None

    def roster_senders(self, *receiver_ids: str) -> frozenset[str]:
        """The ISA06 values of the rosters of the plan a file addressed to these ids is
        for: that plan partner's interchange ids, or the ids themselves when no plan
        partner has them (rosters loaded locally under that id)."""
        plan = self.plan_for(*receiver_ids)
        if plan is not None:
            return self.plan_senders.get(plan, frozenset())
        return frozenset(v.strip() for v in receiver_ids if v.strip())


def bound_scope(
    partner_col: SQLCoreOperations[int | None], of_partner: bool
) -> ColumnElement[bool]:
    """``Tenant.scope`` in a statement built once for every tenant of one kind: with a
    partner (``of_partner``), the partners come at execution as ``scope_ids``
    (``Tenant.scope_ids``); without, a local file's rows (no partner's)."""
    if not of_partner:
        return partner_col.is_(None)
    return partner_col.in_(bindparam("scope_ids", expanding=True))


async def load_tenant_and_guides(
    session: AsyncSession, partner_id: int | None
) -> tuple[Tenant, dict[str, str]]:
    """The partner's tenant and the guide set for each transaction type it sends (none
    for a local file), read in one statement."""
    partners = PartnerRepository(session)
    if partner_id is None:
        plan_rows = await partners.plan_identifiers()
        plans, plan_senders = _plans(plan_rows)
        return Tenant(None, plans=plans, plan_senders=plan_senders), {}
    role: str | None = None
    plan_rows, own, npis = [], set(), set()
    peers: dict[str, set[int]] = {}
    guides: dict[str, str] = {}
    for what, pid, value, detail in await partners.profile(partner_id):
        if what == "role":
            role = value
        elif what == "plan":
            assert pid is not None and detail is not None
            plan_rows.append((pid, detail, value))
        elif what == "own":
            own.add(value)
        elif what == "npi":
            npis.add(value)
        elif what == "peer":
            assert pid is not None
            peers.setdefault(value, set()).add(pid)
        elif what == "guide":
            assert detail is not None
            guides[detail] = value
    if role is None:
        raise LookupError(f"no partner {partner_id}")
    plans, plan_senders = _plans(plan_rows)
    tenant = Tenant(
        partner_id,
        role,
        frozenset(own),
        frozenset(npis),
        {npi: frozenset(ids) for npi, ids in peers.items()},
        plans,
        plan_senders,
    )
    return tenant, dict(sorted(guides.items()))


def _plans(
    plan_rows: Iterable[tuple[int, str, str]],
) -> tuple[dict[str, int], dict[int, frozenset[str]]]:
    """Interchange or group id -> plan partner; plan partner -> its interchange ids."""
    plans: dict[str, int] = {}
    senders: dict[int, set[str]] = {}
    for pid, kind, value in plan_rows:
        plans[value] = pid
        if kind == "interchange":
            senders.setdefault(pid, set()).add(value)
    return plans, {pid: frozenset(values) for pid, values in senders.items()}
