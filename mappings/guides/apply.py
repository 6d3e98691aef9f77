"""The guides that apply to one file: every base guide of its transaction types (the
implementation guides' SNIP 3-6 rules) plus, when known, the partner's plan guide (SNIP 7);
given a transaction type, only the guides of that type."""

from __future__ import annotations

import datetime as dt

from ..codesets.catalog import CodeLists
from .model import Guide
from .runner import GuideEvaluator, HistoryLookup

__all__ = ["GuideChecks", "base_guides", "plans_by_transaction"]


def base_guides() -> list[Guide]:
    from . import list_guides, load_guide

    return [g for g in (load_guide(n) for n in list_guides()) if g.base]


def plans_by_transaction(*guides: Guide) -> dict[str, Guide]:
    """Each transaction type's plan guide, from guides that each serve some types (a
    later guide does not displace an earlier one for the same type)."""
    plans: dict[str, Guide] = {}
    for guide in guides:
        for transaction in guide.transactions:
            plans.setdefault(transaction, guide)
    return plans


class GuideChecks(GuideEvaluator):
    def __init__(
        self,
        plan: Guide | None = None,
        receipt_date: dt.date | None = None,
        history: HistoryLookup | None = None,
        include_base: bool = True,
        transaction: str | None = None,
        code_lists: CodeLists | None = None,
    ) -> None:
        guides = base_guides() if include_base else []
        if plan is not None and plan not in guides:
            guides.append(plan)
        if transaction is not None:  # only the guides of this transaction set's type
            guides = [g for g in guides if transaction in g.transactions]
        day = receipt_date or dt.date.today()
        # A guide applies to files received within its effective dates.
        super().__init__([g for g in guides if g.in_effect(day)], receipt_date, history, code_lists)
        self.plan = plan

    @property
    def names(self) -> list[str]:
        return [g.name for g in self.guides]

    @property
    def acceptance_threshold(self) -> float | None:
        return self.plan.acceptance_threshold if self.plan is not None else None
