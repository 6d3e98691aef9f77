"""The rule kinds a companion guide can use. Each kind is Python; guides only configure them.

A kind validates its ``params`` when the guide is loaded and, for one evaluation context (a
file, a transaction set, a claim or member, or one service line), yields violations: the
value at fault (a :class:`~mappings.guides.paths.Hit`, or None) and the words for the message.
A plan that needs a new kind gets a new class here, with tests.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, ClassVar, Protocol

from .paths import Hit, ValuePath, parse_path

__all__ = ["KINDS", "Context", "Kind", "Violation"]


@dataclass(frozen=True, slots=True)
class Violation:
    hit: Hit | None
    words: dict[str, str]


class Context(Protocol):
    """What a rule can read: values by reference, the receipt date, history look-ups."""

    receipt_date: dt.date

    def values(self, path: ValuePath) -> list[Hit]: ...

    def seen(self, key: str, value: str) -> bool: ...

    def history(self, question: str, **args: str) -> bool | None: ...


def _p(params: dict[str, Any], key: str) -> ValuePath:
    if key not in params:
        raise KeyError(f"missing '{key}'")
    return parse_path(str(params[key]))


def _paths(params: dict[str, Any], key: str) -> list[ValuePath]:
    raw = params.get(key) or []
    items = raw if isinstance(raw, list) else [raw]
    return [parse_path(str(x)) for x in items]


def _sep(hit: Hit) -> str:
    """The file's component separator (ISA16) for splitting a composite value."""
    if hit.segment is not None and hit.segment.component_separator:
        return hit.segment.component_separator
    return ":"


def _amount(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _first_date(value: str) -> dt.date | None:
    """A D8 date, or the first date of an RD8 range."""
    text = value.split("-", 1)[0]
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


class Kind(ABC):
    """A rule kind: validates its params at load time, checks a context at run time."""

    name: ClassVar[str]
    field_param: ClassVar[str | None] = "field"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        if cls.field_param:
            _p(params, cls.field_param)

    @classmethod
    def default_target(cls, params: dict[str, Any]) -> str | None:
        return (
            str(params[cls.field_param]) if cls.field_param and cls.field_param in params else None
        )

    @classmethod
    @abstractmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        """Yield a violation for each value that breaks the rule."""


class Required(Kind):
    """The field must be present (usually with ``when``: required when ...)."""

    name = "required"

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        if not ctx.values(_p(params, "field")):
            yield Violation(None, {"field": str(params["field"])})


class Forbidden(Kind):
    """The field must be absent (usually with ``when``: not sent when ...)."""

    name = "forbidden"

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        for hit in ctx.values(_p(params, "field")):
            yield Violation(hit, {"value": hit.value})


class AllowedValues(Kind):
    name = "allowed_values"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        super().validate(params)
        if not params.get("values"):
            raise KeyError("missing 'values'")

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        allowed = {str(v) for v in params["values"]}
        for hit in ctx.values(_p(params, "field")):
            if hit.value not in allowed:
                yield Violation(hit, {"value": hit.value, "expected": ", ".join(sorted(allowed))})


class Pattern(Kind):
    name = "pattern"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        super().validate(params)
        re.compile(str(params["regex"]))

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        regex = _compiled(str(params["regex"]))
        for hit in ctx.values(_p(params, "field")):
            if not regex.fullmatch(hit.value):
                yield Violation(
                    hit,
                    {"value": hit.value, "expected": str(params.get("describe", params["regex"]))},
                )


_REGEX: dict[str, re.Pattern[str]] = {}


def _compiled(text: str) -> re.Pattern[str]:
    rx = _REGEX.get(text)
    if rx is None:
        rx = _REGEX[text] = re.compile(text)
    return rx


class Length(Kind):
    name = "length"

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        low, high = int(params.get("min", 0)), int(params.get("max", 10**9))
        for hit in ctx.values(_p(params, "field")):
            if not low <= len(hit.value) <= high:
                yield Violation(hit, {"value": hit.value, "expected": f"{low}-{high} characters"})


class DateWindow(Kind):
    """A date relative to the receipt date or another date:
    ``not_after_receipt``, ``max_days_before_receipt``, ``not_before`` (a fixed date),
    ``not_before_field`` / ``not_after_field`` (another reference)."""

    name = "date_window"

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        for hit in ctx.values(_p(params, "field")):
            day = _first_date(hit.value)
            if day is None:
                continue
            words = {"value": day.isoformat(), "receipt": ctx.receipt_date.isoformat()}
            if params.get("not_after_receipt") and day > ctx.receipt_date:
                yield Violation(hit, {**words, "expected": "not after the date received"})
            limit = params.get("max_days_before_receipt")
            if limit is not None and (ctx.receipt_date - day).days > int(limit):
                yield Violation(
                    hit,
                    {
                        **words,
                        "days": str((ctx.receipt_date - day).days),
                        "expected": f"within {limit} days of receipt",
                    },
                )
            if "not_before" in params and day < dt.date.fromisoformat(str(params["not_before"])):
                yield Violation(hit, {**words, "expected": f"on or after {params['not_before']}"})
            for key, sign in (("not_before_field", -1), ("not_after_field", 1)):
                if key not in params:
                    continue
                others = [
                    d
                    for o in ctx.values(parse_path(str(params[key])))
                    if (d := _first_date(o.value)) is not None
                ]
                if not others:
                    continue
                # not after any of them: the earliest counts; not before any: the latest
                ref = min(others) if sign > 0 else max(others)
                if (day - ref).days * sign > 0:
                    rel = "before" if sign < 0 else "after"
                    yield Violation(
                        hit,
                        {
                            **words,
                            "other": ref.isoformat(),
                            "expected": f"not {rel} {ref.isoformat()}",
                        },
                    )


class SumEquals(Kind):
    """``total`` equals the sum of ``parts`` minus the sum of ``minus`` (to the cent)."""

    name = "sum_equals"
    field_param = "total"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        _p(params, "total")
        if not _paths(params, "parts"):
            raise KeyError("missing 'parts'")
        _paths(params, "minus")

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        totals = ctx.values(_p(params, "total"))
        if not totals:
            return
        parts = sum(
            (
                _amount(h.value) or Decimal(0)
                for p in _paths(params, "parts")
                for h in ctx.values(p)
            ),
            Decimal(0),
        )
        minus = sum(
            (
                _amount(h.value) or Decimal(0)
                for p in _paths(params, "minus")
                for h in ctx.values(p)
            ),
            Decimal(0),
        )
        expected = parts - minus
        total = _amount(totals[0].value)
        if total is not None and total != expected:
            yield Violation(
                totals[0],
                {
                    "total": totals[0].value,
                    "value": totals[0].value,
                    "sum": f"{expected:.2f}",
                    "difference": f"{total - expected:.2f}",
                },
            )


class Equals(Kind):
    """Every value of ``field`` equals every value of ``other`` (cross-segment equality)."""

    name = "equals"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        _p(params, "field")
        _p(params, "other")

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        others = {h.value.strip() for h in ctx.values(_p(params, "other"))}
        if not others:
            return
        for hit in ctx.values(_p(params, "field")):
            if hit.value.strip() not in others:
                yield Violation(
                    hit, {"value": hit.value.strip(), "expected": ", ".join(sorted(others))}
                )


class Distinct(Kind):
    """Values of ``field`` occur at most once within the evaluation context (the claim)."""

    name = "distinct"

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        seen: set[str] = set()
        for hit in ctx.values(_p(params, "field")):
            key = hit.value.split(_sep(hit))[0] if params.get("qualifier_only") else hit.value
            if key in seen:
                yield Violation(hit, {"value": key})
            seen.add(key)


class Unique(Kind):
    """A value (e.g. CLM01 for a billing provider) is unique within the file, or also
    against history (claims accepted before), when the gateway provides history."""

    name = "unique"

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        scope_paths = _paths(params, "per")
        scope = "|".join(h.value for p in scope_paths for h in ctx.values(p))
        for hit in ctx.values(_p(params, "field")):
            key = f"{scope}|{hit.value}"
            if ctx.seen(f"unique:{params['field']}", key):
                yield Violation(hit, {"value": hit.value, "where": "earlier in this file"})
            elif params.get("within") == "history" and ctx.history(
                "claim_exists", claim_id=hit.value, scope=scope
            ):
                yield Violation(hit, {"value": hit.value, "where": "in an earlier file"})


class CodeSetMember(Kind):
    """The value is in a named code set (mappings/codesets), optionally by component."""

    name = "code_set"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        super().validate(params)
        if not params.get("set"):
            raise KeyError("missing 'set'")

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        from mappings.codesets import code_set

        codes = code_set(str(params["set"]))
        cut = params.get("prefix")
        for hit in ctx.values(_p(params, "field")):
            value = hit.value[: int(cut)] if cut else hit.value
            if value not in codes:
                yield Violation(hit, {"value": value, "set": codes.name, "version": codes.version})


@cache
def _validators() -> dict[str, Callable[[str], bool]]:
    from mappings import codesets as cs

    return {
        "npi": cs.npi_valid,
        "icd10cm": cs.icd10cm_format,
        "icd10pcs": cs.icd10pcs_format,
        "hcpcs": cs.hcpcs_format,
        "cpt": cs.cpt_format,
        "cdt": cs.cdt_format,
        "taxonomy": cs.taxonomy_format,
        "zip": cs.zip_format,
        "cin": cs.medi_cal_cin_format,
        "state": cs.state_code,
    }


_FORMATS = (
    "npi",
    "icd10cm",
    "icd10pcs",
    "hcpcs",
    "cpt",
    "cdt",
    "hcpcs_or_cpt",
    "taxonomy",
    "zip",
    "cin",
    "state",
)


class Format(Kind):
    """A check function: NPI check digit, ICD-10 shape, HCPCS/CPT/CDT shape, taxonomy, ZIP,
    Medi-Cal CIN, state. ``component`` picks a component of a composite value."""

    name = "format"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        super().validate(params)
        if params.get("check") not in _FORMATS:
            raise ValueError(f"check must be one of {', '.join(_FORMATS)}")

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        check = str(params["check"])
        table = _validators()
        fn: Callable[[str], bool]
        if check == "hcpcs_or_cpt":
            hcpcs, cpt = table["hcpcs"], table["cpt"]
            fn = lambda v: hcpcs(v) or cpt(v)  # noqa: E731
        else:
            fn = table[check]
        comp = params.get("component")
        skip = {str(s) for s in params.get("unless_qualifier", [])}
        for hit in ctx.values(_p(params, "field")):
            value = hit.value
            if comp is not None:
                parts = value.split(_sep(hit))
                if skip and parts[0] in skip:
                    continue
                value = parts[int(comp) - 1] if len(parts) >= int(comp) else ""
                if not value:
                    continue
            if not fn(value):
                yield Violation(hit, {"value": value, "check": check})


class CountMax(Kind):
    """At most ``max`` occurrences of ``field`` (e.g. claims per transaction set)."""

    name = "count_max"

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        hits = ctx.values(_p(params, "field"))
        if len(hits) > int(params["max"]):
            yield Violation(
                hits[int(params["max"])], {"count": str(len(hits)), "max": str(params["max"])}
            )


class MaxUnits(Kind):
    """At most ``max`` claims (members, claim payments) in one transaction set."""

    name = "max_units"
    field_param = None

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        int(params["max"])

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        count = int(getattr(ctx, "unit_count", 0))
        if count > int(params["max"]):
            yield Violation(None, {"count": str(count), "max": str(params["max"])})


class Eligible(Kind):
    """The member is eligible on the date of service, per the 834 data the gateway holds."""

    name = "eligible"
    field_param = "member"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        _p(params, "member")
        _p(params, "date")

    @classmethod
    def check(cls, params: dict[str, Any], ctx: Context) -> Iterator[Violation]:
        members = ctx.values(_p(params, "member"))
        dates = [d for h in ctx.values(_p(params, "date")) if (d := _first_date(h.value))]
        if not members or not dates:
            return
        member = members[0]
        day = min(dates)
        answer = ctx.history("member_eligible", member_id=member.value, date=day.isoformat())
        if answer is False:
            yield Violation(member, {"value": member.value, "date": day.isoformat()})


KINDS: dict[str, type[Kind]] = {
    k.name: k
    for k in (
        Required,
        Forbidden,
        AllowedValues,
        Pattern,
        Length,
        DateWindow,
        SumEquals,
        Equals,
        Distinct,
        Unique,
        CodeSetMember,
        Format,
        CountMax,
        MaxUnits,
        Eligible,
    )
}
