"""What counts as a denial in an 835, in one place: CLP02 = 4 (denied), or nothing paid
on a charge (a reversal, CLP02 = 22, is not a denial)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ColumnElement, and_, or_

from ..models import ClaimPaymentRow

__all__ = ["denied_clause", "is_denial"]


def is_denial(status_code: str, charge: Decimal, paid: Decimal) -> bool:
    return status_code == "4" or (paid == 0 and charge > 0 and status_code != "22")


def denied_clause() -> ColumnElement[bool]:
    """``is_denial`` as SQL over ``claim_payments``."""
    return or_(
        ClaimPaymentRow.status_code == "4",
        and_(
            ClaimPaymentRow.paid == 0,
            ClaimPaymentRow.charge > 0,
            ClaimPaymentRow.status_code != "22",
        ),
    )
