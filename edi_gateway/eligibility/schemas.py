"""Response bodies for members and eligibility (834 rosters)."""

from __future__ import annotations

import datetime as dt
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from ..models import CoverageSpan, Member
from .repository import OWN_ID_QUALIFIERS


def own_member_id(member: Member, identifiers: dict[str, str]) -> str:
    """The id that names this person: a dependent's own REF*23/17/ZZ/3H, else REF*0F."""
    if not member.is_subscriber:
        for qualifier in OWN_ID_QUALIFIERS:
            if identifiers.get(qualifier):
                return identifiers[qualifier]
    return member.subscriber_id


class Plan(BaseModel):
    plan_code: str | None = Field(description="2300 HD04 plan coverage description")
    insurance_line: str | None = Field(description="2300 HD03 insurance line code: HLT, DEN...")
    aid_code: str | None = Field(description="Medi-Cal aid code, where the plan sends it")
    coverage_level: str | None = Field(description="2300 HD05: IND, FAM...")
    policy_number: str | None = Field(description="2300 REF*1L")


class CoveragePeriod(BaseModel):
    begin: date | None = Field(description="2300 DTP*348 benefit begin")
    end: date | None = Field(description="2300 DTP*349 benefit end; null when open-ended")


class Pcp(BaseModel):
    npi: str | None = Field(description="2310 NM1*P3 NM109 (NPI)")
    name: str | None = Field(description="Primary care provider name")
    begin: date | None = Field(description="Assignment begin (2310 DTP*348)")
    end: date | None = Field(description="Assignment end; null when open-ended")


class Coverage(BaseModel):
    """One coverage span (2300 HD loop, current version) in force on the requested date."""

    plan: Plan
    coverage: CoveragePeriod
    pcp: Pcp | None = Field(description="The PCP assigned on the requested date, if any")

    @classmethod
    def from_span(cls, span: CoverageSpan, day: date) -> Coverage:
        assigned = (
            (span.pcp_npi or span.pcp_name)
            and (span.pcp_begin is None or span.pcp_begin <= day)
            and (span.pcp_end is None or span.pcp_end >= day)
        )
        return cls(
            plan=Plan(
                plan_code=span.plan_code,
                insurance_line=span.insurance_line,
                aid_code=span.aid_code,
                coverage_level=span.coverage_level,
                policy_number=span.policy_number,
            ),
            coverage=CoveragePeriod(begin=span.begin_date, end=span.end_date),
            pcp=Pcp(npi=span.pcp_npi, name=span.pcp_name, begin=span.pcp_begin, end=span.pcp_end)
            if assigned
            else None,
        )


class Eligibility(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "member_id": "97445419Q",
                "subscriber_id": "97445419Q",
                "is_subscriber": True,
                "relationship_code": "18",
                "last_name": "YARROWAY",
                "first_name": "FELIPE",
                "birth_date": "1950-02-21",
                "date": "2026-03-15",
                "active": True,
                "plan": {
                    "plan_code": "MCLCCS01",
                    "insurance_line": "HLT",
                    "aid_code": None,
                    "coverage_level": "IND",
                    "policy_number": None,
                },
                "coverage": {"begin": "2026-02-01", "end": None},
                "pcp": {
                    "npi": "2166156424",
                    "name": "WESTBROOKE RAFAEL",
                    "begin": None,
                    "end": None,
                },
                "coverages": [],
            }
        }
    )

    member_id: str = Field(
        description="The member's own id: REF*0F (Medi-Cal CIN) for subscribers, the "
        "dependent's REF*23/17 where the plan sent one"
    )
    subscriber_id: str = Field(description="REF*0F of the subscriber")
    is_subscriber: bool = Field(description="INS01 = Y")
    relationship_code: str | None = Field(description="INS02: 18 self, 01 spouse, 19 child...")
    last_name: str | None
    first_name: str | None
    birth_date: dt.date | None
    date: dt.date = Field(description="The date eligibility was checked for")
    active: bool = Field(description="Whether any coverage is in force on that date")
    plan: Plan | None = Field(description="Plan of the primary coverage in force (health first)")
    coverage: CoveragePeriod | None = Field(description="Span of the primary coverage in force")
    pcp: Pcp | None = Field(description="PCP of the primary coverage on that date")
    coverages: list[Coverage] = Field(
        description="Every coverage in force that day (health, dental...), primary first"
    )


class MemberSummary(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": 12,
                "member_id": "97453338N",
                "subscriber_id": "97445419Q",
                "is_subscriber": False,
                "relationship_code": "19",
                "last_name": "YARROWAY",
                "first_name": "FLORA",
                "birth_date": "2018-02-05",
                "gender": "F",
                "status": "active",
                "identifiers": {"0F": "97445419Q", "1L": "MCL83119", "23": "97453338N"},
            }
        }
    )

    id: int = Field(description="Gateway id of the member record")
    member_id: str = Field(description="The id to look eligibility up by (see Eligibility)")
    subscriber_id: str = Field(description="REF*0F of the subscriber (Medi-Cal CIN)")
    is_subscriber: bool
    relationship_code: str | None = Field(description="INS02")
    last_name: str | None
    first_name: str | None
    birth_date: date | None
    gender: str | None
    status: str = Field(description="active or terminated (last maintenance received)")
    identifiers: dict[str, str] = Field(description="2000 REF qualifier -> value")

    @classmethod
    def from_row(cls, member: Member, identifiers: dict[str, str]) -> MemberSummary:
        return cls(
            id=member.id,
            member_id=own_member_id(member, identifiers),
            subscriber_id=member.subscriber_id,
            is_subscriber=member.is_subscriber,
            relationship_code=member.relationship_code,
            last_name=member.last_name,
            first_name=member.first_name,
            birth_date=member.birth_date,
            gender=member.gender,
            status=member.status,
            identifiers=identifiers,
        )


class MemberList(BaseModel):
    items: list[MemberSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end")
