"""The rule kinds a companion guide can use. Each kind is Python; guides only configure them.

A kind validates its ``params`` when the guide is loaded and builds the compiled check that
runs them (``checks.py``): for one evaluation context (a file, a transaction set, a claim or
member, or one service line) the check yields violations: the value at fault (a
:class:`~mappings.guides.paths.Hit`, or None) and the words for the message. A plan that
needs a new kind gets a new class here and a check in ``checks.py``, with tests.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from . import checks as c
from .paths import ValuePath, parse_path

if TYPE_CHECKING:
    from mappings.codesets.catalog import CodeLists

__all__ = ["KINDS", "Kind"]


def _p(params: dict[str, Any], key: str) -> ValuePath:
    if key not in params:
        raise KeyError(f"missing '{key}'")
    return parse_path(str(params[key]))


def _paths(params: dict[str, Any], key: str) -> list[ValuePath]:
    raw = params.get(key) or []
    items = raw if isinstance(raw, list) else [raw]
    return [parse_path(str(x)) for x in items]


class Kind(ABC):
    """A rule kind: validates its params at load time, builds its check for run time."""

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
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        """The check for these params, its references numbered in ``slots``."""

    @classmethod
    def build_in(cls, params: dict[str, Any], slots: c.Slots, lists: CodeLists | None) -> c.Check:
        """The check, for kinds that judge codes against the imported code lists the
        gateway handed down (``lists``); the others ignore them."""
        return cls.build(params, slots)


def _slot(params: dict[str, Any], key: str, slots: c.Slots) -> int:
    return slots.slot(_p(params, key))


class Required(Kind):
    """The field must be present (usually with ``when``: required when ...)."""

    name = "required"

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        return c.RequiredCheck(_slot(params, "field", slots), str(params["field"]))


class Forbidden(Kind):
    """The field must be absent (usually with ``when``: not sent when ...)."""

    name = "forbidden"

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        return c.ForbiddenCheck(_slot(params, "field", slots))


class AllowedValues(Kind):
    name = "allowed_values"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        super().validate(params)
        if not params.get("values"):
            raise KeyError("missing 'values'")

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        allowed = frozenset(str(v) for v in params["values"])
        return c.AllowedCheck(_slot(params, "field", slots), allowed)


class Pattern(Kind):
    name = "pattern"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        super().validate(params)
        re.compile(str(params["regex"]))

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        return c.PatternCheck(
            _slot(params, "field", slots),
            re.compile(str(params["regex"])),
            str(params.get("describe", params["regex"])),
        )


class Length(Kind):
    name = "length"

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        low, high = int(params.get("min", 0)), int(params.get("max", 10**9))
        return c.LengthCheck(_slot(params, "field", slots), low, high)


class DateWindow(Kind):
    """A date relative to the receipt date or another date:
    ``not_after_receipt``, ``max_days_before_receipt``, ``not_before`` (a fixed date),
    ``not_before_field`` / ``not_after_field`` (another reference); ``describe`` (the
    guide's wording of what is expected, ``{expected}``) and ``once`` (a claim-scope rule
    over its lines' dates reports the claim once, at the earliest date, ``{count}`` dates)."""

    name = "date_window"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        super().validate(params)
        days = params.get("max_days_before_receipt")
        if days is not None and not (isinstance(days, int) and days >= 0):
            raise ValueError(f"max_days_before_receipt must be a number of days, got {days!r}")
        if "not_before" in params:
            try:
                dt.date.fromisoformat(str(params["not_before"]))
            except ValueError:
                raise ValueError(
                    f"not_before must be a date (YYYY-MM-DD), got {params['not_before']!r}"
                ) from None
        for key in ("not_before_field", "not_after_field"):
            if key in params:
                _p(params, key)

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        limit = params.get("max_days_before_receipt")
        not_before = params.get("not_before")
        return c.DateWindowCheck(
            _slot(params, "field", slots),
            bool(params.get("not_after_receipt")),
            int(limit) if limit is not None else -1,
            dt.date.fromisoformat(str(not_before)) if not_before is not None else None,
            str(not_before) if not_before is not None else "",
            _slot(params, "not_before_field", slots) if "not_before_field" in params else -1,
            _slot(params, "not_after_field", slots) if "not_after_field" in params else -1,
            str(params.get("describe") or ""),
            bool(params.get("once")),
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
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        return c.SumCheck(
            _slot(params, "total", slots),
            [slots.slot(p) for p in _paths(params, "parts")],
            [slots.slot(p) for p in _paths(params, "minus")],
        )

    @classmethod
    def summed(cls, params: dict[str, Any]) -> list[ValuePath]:
        """The references a set-level rule sums (totalled claim by claim)."""
        return [*_paths(params, "parts"), *_paths(params, "minus")]


class Equals(Kind):
    """Every value of ``field`` equals every value of ``other`` (cross-segment equality)."""

    name = "equals"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        _p(params, "field")
        _p(params, "other")

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        return c.EqualsCheck(_slot(params, "field", slots), _slot(params, "other", slots))


class Distinct(Kind):
    """Values of ``field`` occur at most once within the evaluation context (the claim)."""

    name = "distinct"

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        return c.DistinctCheck(_slot(params, "field", slots), bool(params.get("qualifier_only")))


class Unique(Kind):
    """A value (e.g. CLM01 for a billing provider) is unique within the file, or also
    against history (claims accepted before), when the gateway provides history."""

    name = "unique"

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        return c.UniqueCheck(
            _slot(params, "field", slots),
            [slots.slot(p) for p in _paths(params, "per")],
            params.get("within") == "history",
        )


class CodeSetMember(Kind):
    """The value is in a named code set (mappings/codesets), optionally by component."""

    name = "code_set"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        super().validate(params)
        if not params.get("set"):
            raise KeyError("missing 'set'")

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        return cls.build_in(params, slots, None)

    @classmethod
    def build_in(cls, params: dict[str, Any], slots: c.Slots, lists: CodeLists | None) -> c.Check:
        from mappings.codesets import code_set

        codes = code_set(str(params["set"]))
        members, version = codes.codes, codes.version
        # an imported version (CARC/RARC between releases) current on the day the file was
        # received replaces it
        today = (lists.day if lists else None) or dt.date.today()
        imported = lists.in_effect(codes.name, today) if lists else None
        if imported is not None:
            members, version = imported.current_codes(today), imported.version
        cut = params.get("prefix")
        return c.CodeSetCheck(
            _slot(params, "field", slots),
            members,
            int(cut) if cut else 0,
            codes.name,
            version,
        )


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
        # the code set is read here, when a guide is compiled, not by the first claim
        "state": cs.code_set("states").codes.__contains__,
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
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        check = str(params["check"])
        table = _validators()
        fns = [table["hcpcs"], table["cpt"]] if check == "hcpcs_or_cpt" else [table[check]]
        comp = params.get("component")
        return c.FormatCheck(
            _slot(params, "field", slots),
            check,
            fns,
            int(comp) if comp is not None else 0,
            frozenset(str(s) for s in params.get("unless_qualifier", [])),
        )


class CodeOnDate(Kind):
    """Each code of ``field`` is in the full code list in effect on the date of service
    (the earliest of ``dates``): ``set: icd10cm`` (billable ICD-10-CM codes of the
    fiscal-year release: an imported one, else the one shipped, see
    ``mappings.codesets.icd10_release``) or ``set: hcpcs`` (HCPCS Level II codes of the
    imported CMS list; CPT codes are not judged). ``component`` and ``unless_qualifier`` as
    for ``format``. A day no list covers is not judged (see ``list_installed``)."""

    name = "code_on_date"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        from .code_lists import DATED_SETS

        super().validate(params)
        if params.get("set") not in DATED_SETS:
            raise ValueError(f"set must be one of {', '.join(DATED_SETS)}")
        if not _paths(params, "dates"):
            raise KeyError("missing 'dates'")

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        return cls.build_in(params, slots, None)

    @classmethod
    def build_in(cls, params: dict[str, Any], slots: c.Slots, lists: CodeLists | None) -> c.Check:
        from .code_lists import judge_for
        from .codeset_checks import CodeOnDateCheck

        comp = params.get("component")
        return CodeOnDateCheck(
            _slot(params, "field", slots),
            [slots.slot(p) for p in _paths(params, "dates")],
            int(comp) if comp is not None else 0,
            frozenset(str(s) for s in params.get("unless_qualifier", [])),
            judge_for(str(params["set"]), lists),
        )


class ListInstalled(CodeOnDate):
    """Once per file: codes of ``field`` were not judged because no ``set`` list covers
    their date of service; the words name the release to import and the command
    (``{release}``, ``{date}``, ``{command}``, ``{installed}``). Parameters as for
    ``code_on_date``."""

    name = "list_installed"

    @classmethod
    def build_in(cls, params: dict[str, Any], slots: c.Slots, lists: CodeLists | None) -> c.Check:
        from mappings.codesets.formats import hcpcs_format

        from .code_lists import installed_for
        from .codeset_checks import ListInstalledCheck

        comp = params.get("component")
        name = str(params["set"])
        return ListInstalledCheck(
            _slot(params, "field", slots),
            [slots.slot(p) for p in _paths(params, "dates")],
            int(comp) if comp is not None else 0,
            frozenset(str(s) for s in params.get("unless_qualifier", [])),
            installed_for(name, lists),
            hcpcs_format if name == "hcpcs" else str.isalnum,
        )


class DrugLine(Kind):
    """A physician-administered drug line carries its NDC or its quantity (Medi-Cal): when
    the line's ``procedure`` code is a drug code (``drug_codes``: prefixes such as ``J`` or
    ranges such as ``Q5101-Q5199``), ``check: ndc`` wants ``qualifier`` (2410 LIN02) N4 and
    ``field`` (LIN03) an 11-digit NDC; ``check: quantity`` wants ``field`` (CTP04) and
    ``unit`` (CTP05-1). Missing values are reported at ``field`` (loop 2410)."""

    name = "drug_line"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        super().validate(params)
        _p(params, "procedure")
        what = params.get("check")
        if what not in ("ndc", "quantity"):
            raise ValueError("check must be ndc or quantity")
        _p(params, "qualifier" if what == "ndc" else "unit")
        cls._codes(params)

    @staticmethod
    def _codes(params: dict[str, Any]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        prefixes: list[str] = []
        ranges: list[tuple[str, str]] = []
        for item in params.get("drug_codes") or []:
            text = str(item).strip().upper()
            low, dash, high = text.partition("-")
            if dash:
                if len(low) != len(high) or not low or low > high:
                    raise ValueError(f"drug code range {text!r} must look like Q5101-Q5199")
                ranges.append((low, high))
            elif text:
                prefixes.append(text)
        if not prefixes and not ranges:
            raise KeyError("missing 'drug_codes'")
        return tuple(prefixes), tuple(ranges)

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        from .codeset_checks import DrugLineCheck

        what = str(params["check"])
        prefixes, ranges = cls._codes(params)
        procedure = _slot(params, "procedure", slots)
        field = _slot(params, "field", slots)
        if what == "ndc":
            return DrugLineCheck(
                procedure, _slot(params, "qualifier", slots), field, what, prefixes, ranges
            )
        return DrugLineCheck(procedure, field, _slot(params, "unit", slots), what, prefixes, ranges)


class CountMax(Kind):
    """At most ``max`` occurrences of ``field`` (e.g. claims per transaction set)."""

    name = "count_max"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        super().validate(params)
        int(params["max"])

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        return c.CountMaxCheck(_slot(params, "field", slots), int(params["max"]))


class MaxUnits(Kind):
    """At most ``max`` claims (members, claim payments) in one transaction set."""

    name = "max_units"
    field_param = None

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        int(params["max"])

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        return c.MaxUnitsCheck(int(params["max"]))


class Eligible(Kind):
    """The member is eligible on the date of service, per the 834 data the gateway holds."""

    name = "eligible"
    field_param = "member"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        _p(params, "member")
        _p(params, "date")

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        return c.EligibleCheck(_slot(params, "member", slots), _slot(params, "date", slots))


class OriginalOnFile(Kind):
    """A replacement or void (``frequency`` 7 or 8) names an original claim the gateway
    holds: ``reference`` (REF*F8) is our claim number, the plan's, or the original's
    ``claim`` (CLM01) for the same billing provider (``npi``). Asked of the gateway's
    history; nothing is found without history."""

    name = "original_on_file"
    field_param = "reference"

    @classmethod
    def validate(cls, params: dict[str, Any]) -> None:
        for key in ("claim", "frequency", "reference", "npi"):
            _p(params, key)

    @classmethod
    def build(cls, params: dict[str, Any], slots: c.Slots) -> c.Check:
        from .history_checks import OriginalOnFileCheck

        return OriginalOnFileCheck(
            _slot(params, "claim", slots),
            _slot(params, "frequency", slots),
            _slot(params, "reference", slots),
            _slot(params, "npi", slots),
        )


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
        CodeOnDate,
        ListInstalled,
        DrugLine,
        CountMax,
        MaxUnits,
        Eligible,
        OriginalOnFile,
    )
}
