"""Companion guides as data: the YAML format, checked against its schema when loaded.

A guide file (``mappings/guides/data/NAME.yaml``)::

    guide: medi-cal-encounters-837p          # must equal the file name without .yaml
    title: Medi-Cal managed care encounters (837P)
    version: "2026.1"
    transactions: [837P]                      # 837P 837I 837D 834 835
    effective: {from: 2026-01-01, to: null}
    applies_to: {receiver_ids: [DHCS, GPHP1EDI]}  # ISA08 / GS03 values this guide serves
    source: what the rules come from
    acceptance_threshold: 0.95                # optional: reject the file below this share
    implied_end: end_of_prior_month           # optional, 834: how absence from a full file
                                              # dates the end of coverage (x834.IMPLIED_END_RULES)
    rules:
      - id: R38
        title: Claim total equals the sum of line charges
        snip: 3                               # WEDI SNIP level 3..7
        severity: reject_claim      # reject_file, reject_transaction, reject_claim, warning
        scope: claim                          # file | set | claim | line
        kind: sum_equals                      # one of the rule kinds in kinds.py
        params: {total: 2300/CLM02, parts: [2400/SV102]}
        when: {field: 2300/CLM05-3, in: ["1"]}   # optional condition
        message: "CLM02 {total} is not the sum of the line charges {sum}"
        fix: "Make the claim total equal the sum of the service line charges"
        source:                               # citations a reader can open
          - Stedi enhanced claim validation https://www.stedi.com/docs/healthcare/enhanced-claim-validation
          - /reference/x12/005010X222A1#2300-CLM
        stc: {category: A7, status: "400", entity: "85"}   # optional, for the 277CA

``source`` (of a guide or a rule) is one citation or a list of them; each ends with where a
reader opens it: an http(s) URL, or a page of the service itself (a path such as
``/reference/x12/005010X222A1#2300-CLM``, the implementation guide as the validator reads
it, or ``/reference/guides/NAME#RULE``). A citation that names nothing a reader can open
(a file name, a section of a document that is not published) is refused when the guide is
loaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from parsers.errors import EdiError

from ..codesets.model import SAFE_LOADER
from ..x834 import IMPLIED_END_RULES
from .paths import ValuePath, parse_path

__all__ = ["Condition", "Guide", "GuideError", "Rule", "citation_target", "load_guide_file"]

SEVERITIES = ("reject_file", "reject_transaction", "reject_claim", "warning")
SCOPES = ("file", "set", "claim", "line")
TRANSACTIONS = ("837P", "837I", "837D", "834", "835")
_GUIDE_KEYS = {
    "guide",
    "title",
    "version",
    "transactions",
    "effective",
    "applies_to",
    "source",
    "acceptance_threshold",
    "implied_end",
    "rules",
    "settings",
    "base",
}
_RULE_KEYS = {
    "id",
    "title",
    "snip",
    "severity",
    "scope",
    "kind",
    "params",
    "when",
    "message",
    "fix",
    "source",
    "stc",
    "transactions",
    "applies_to",
}


class GuideError(EdiError, ValueError):
    """A guide file that does not follow the format; says which file, rule and key."""


@dataclass(frozen=True)
class Condition:
    """``{field, equals|in|not_in|present}`` or ``{all: [...]}`` / ``{any: [...]}``."""

    op: str  # equals, in, not_in, present, absent, all, any
    path: ValuePath | None = None
    values: tuple[str, ...] = ()
    parts: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    snip: int
    severity: str
    scope: str
    kind: str
    params: dict[str, Any]
    message: str
    fix: str
    source: str
    when: Condition | None = None
    stc: dict[str, str] | None = None
    transactions: tuple[str, ...] = ()
    applies_to: ValuePath | None = None
    citations: tuple[str, ...] = ()  # ``source`` item by item (``source`` joins them)


@dataclass(frozen=True)
class Guide:
    name: str
    title: str
    version: str
    transactions: tuple[str, ...]
    effective_from: dt.date | None
    effective_to: dt.date | None
    receiver_ids: tuple[str, ...]
    source: str
    rules: tuple[Rule, ...]
    acceptance_threshold: float | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    #: a base guide (the implementation guides' own SNIP 3-6 rules) applies to every file of
    #: its transactions, whatever the partner; plan guides add their SNIP 7 rules on top
    base: bool = False
    #: 834: how the plan dates coverage ended by absence from a full file (None: the day
    #: before the file's effective date)
    implied_end: str | None = None
    citations: tuple[str, ...] = ()  # ``source`` item by item

    def rules_for(self, transaction: str, scope: str) -> list[Rule]:
        return [
            r
            for r in self.rules
            if r.scope == scope and (not r.transactions or transaction in r.transactions)
        ]

    def in_effect(self, day: dt.date) -> bool:
        return (self.effective_from is None or day >= self.effective_from) and (
            self.effective_to is None or day <= self.effective_to
        )


def _fail(where: str, message: str) -> GuideError:
    return GuideError(f"{where}: {message}")


def _condition(raw: Any, where: str) -> Condition:
    if not isinstance(raw, dict) or not raw:
        raise _fail(where, "a condition is a mapping such as {field: 2300/CLM05-3, in: [7, 8]}")
    if "all" in raw or "any" in raw:
        op = "all" if "all" in raw else "any"
        items = raw[op]
        if not isinstance(items, list) or not items:
            raise _fail(where, f"'{op}' needs a non-empty list of conditions")
        return Condition(op, parts=tuple(_condition(c, f"{where}.{op}") for c in items))
    if "field" not in raw:
        raise _fail(where, "a condition needs 'field'")
    path = _path(raw["field"], f"{where}.field")
    ops = [k for k in ("equals", "in", "not_in", "present", "absent") if k in raw]
    if len(ops) != 1:
        raise _fail(where, "a condition needs exactly one of equals, in, not_in, present, absent")
    op = ops[0]
    value = raw[op]
    if op in ("present", "absent"):
        return Condition(op, path)
    values = value if isinstance(value, list) else [value]
    return Condition(op, path, tuple(str(v) for v in values))


def _path(raw: Any, where: str) -> ValuePath:
    if not isinstance(raw, str):
        raise _fail(where, f"expected a value reference like 2300/CLM02, got {raw!r}")
    try:
        return parse_path(raw)
    except ValueError as exc:
        raise _fail(where, str(exc)) from exc


def _date(raw: Any, where: str) -> dt.date | None:
    if raw is None:
        return None
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError as exc:
        raise _fail(where, f"{raw!r} is not a date (YYYY-MM-DD)") from exc


def citation_target(citation: str) -> str | None:
    """Where a reader opens ``citation``: its last word when that is an http(s) URL or a
    page of the service (a path starting with one ``/``), else None."""
    words = citation.split()
    target = words[-1].rstrip(".,;)") if words else ""
    if target.startswith(("https://", "http://")) and len(target) > len("https://x.y"):
        return target
    if target.startswith("/") and not target.startswith("//") and len(target) > 1:
        return target
    return None


def _citations(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    items = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for item in items:
        text = " ".join(str(item).split())
        if citation_target(text) is None:
            raise _fail(
                where,
                f"source {text!r} names nothing a reader can open: end each citation with an "
                "http(s) URL or a page of the service (/reference/x12/..., /reference/guides/...)",
            )
        out.append(text)
    return tuple(out)


def _rule(raw: Any, where: str, known_kinds: dict[str, Any]) -> Rule:
    if not isinstance(raw, dict):
        raise _fail(where, "each rule is a mapping")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}; allowed: {sorted(_RULE_KEYS)}")
    for key in ("id", "snip", "severity", "scope", "kind", "message", "fix"):
        if key not in raw:
            raise _fail(where, f"missing required key '{key}'")
    rid = str(raw["id"])
    where = f"{where} ({rid})"
    if not isinstance(raw["snip"], int) or not 1 <= raw["snip"] <= 7:
        raise _fail(where, "snip must be a WEDI SNIP level 1..7")
    if raw["severity"] not in SEVERITIES:
        raise _fail(where, f"severity must be one of {', '.join(SEVERITIES)}")
    if raw["scope"] not in SCOPES:
        raise _fail(where, f"scope must be one of {', '.join(SCOPES)}")
    kind = known_kinds.get(raw["kind"])
    if kind is None:
        raise _fail(
            where,
            f"unknown rule kind {raw['kind']!r}; known kinds: {', '.join(sorted(known_kinds))}",
        )
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise _fail(where, "params must be a mapping")
    try:
        kind.validate(params)
    except (ValueError, KeyError, TypeError) as exc:
        raise _fail(where, f"params for kind {raw['kind']}: {exc}") from exc
    transactions = tuple(str(t) for t in raw.get("transactions") or ())
    bad = [t for t in transactions if t not in TRANSACTIONS]
    if bad:
        raise _fail(where, f"unknown transactions {bad}")
    stc = raw.get("stc")
    if stc is not None and (not isinstance(stc, dict) or "category" not in stc):
        raise _fail(where, "stc needs at least a category (A3, A6, A7, A8)")
    applies = raw.get("applies_to") or kind.default_target(params)
    citations = _citations(raw.get("source"), f"{where}.source")
    return Rule(
        id=rid,
        title=str(raw.get("title", rid)),
        snip=int(raw["snip"]),
        severity=str(raw["severity"]),
        scope=str(raw["scope"]),
        kind=str(raw["kind"]),
        params=params,
        message=str(raw["message"]),
        fix=str(raw["fix"]),
        source="; ".join(citations),
        citations=citations,
        when=_condition(raw["when"], f"{where}.when") if "when" in raw else None,
        stc={str(k): str(v) for k, v in stc.items()} if stc else None,
        transactions=transactions,
        applies_to=_path(applies, f"{where}.applies_to") if applies else None,
    )


def _check_overrides(settings: Any, where: str) -> None:
    """``settings.rule_overrides``: rule id -> {severity, message} for rules of the guides
    evaluated with this one (a plan softening or rewording a base rule)."""
    if not isinstance(settings, dict):
        raise _fail(where, "settings must be a mapping")
    overrides = settings.get("rule_overrides") or {}
    if not isinstance(overrides, dict):
        raise _fail(where, "settings.rule_overrides maps rule ids to {severity, message}")
    for rule_id, change in overrides.items():
        at = f"{where}.settings.rule_overrides.{rule_id}"
        if not isinstance(change, dict) or not change or set(change) - {"severity", "message"}:
            raise _fail(at, "an override sets severity and/or message, nothing else")
        if "severity" in change and change["severity"] not in SEVERITIES:
            raise _fail(at, f"severity must be one of {', '.join(SEVERITIES)}")
        if "message" in change and not isinstance(change["message"], str):
            raise _fail(at, "message must be text")


def load_guide_file(path: Path, known_kinds: dict[str, Any]) -> Guide:
    where = path.name
    try:
        raw = yaml.load(path.read_text(), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise _fail(where, f"not valid YAML: {exc}") from exc
    except ValueError as exc:  # e.g. an unquoted date that is not a date: 2026-13-01
        raise _fail(where, f"a value is not valid: {exc}") from exc
    except OSError as exc:
        raise _fail(where, f"cannot read the file: {exc}") from exc
    if not isinstance(raw, dict):
        raise _fail(where, "a guide is a mapping with guide, title, version, rules...")
    unknown = set(raw) - _GUIDE_KEYS
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}")
    for key in ("guide", "title", "version", "transactions", "rules"):
        if key not in raw:
            raise _fail(where, f"missing required key '{key}'")
    if raw["guide"] != path.stem:
        raise _fail(where, f"guide name {raw['guide']!r} must equal the file name {path.stem!r}")
    transactions = tuple(str(t) for t in raw["transactions"])
    bad = [t for t in transactions if t not in TRANSACTIONS]
    if bad or not transactions:
        raise _fail(where, f"transactions must be a list of {', '.join(TRANSACTIONS)}")
    effective = raw.get("effective") or {}
    rules_raw = raw["rules"]
    if not isinstance(rules_raw, list) or not rules_raw:
        raise _fail(where, "rules must be a non-empty list")
    rules = tuple(_rule(r, f"{where} rule {i + 1}", known_kinds) for i, r in enumerate(rules_raw))
    ids = [r.id for r in rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise _fail(where, f"rule ids must be unique: {dupes}")
    threshold = raw.get("acceptance_threshold")
    if threshold is not None and not (isinstance(threshold, int | float) and 0 < threshold <= 1):
        raise _fail(where, "acceptance_threshold is a share between 0 and 1, e.g. 0.95")
    settings = raw.get("settings") or {}
    _check_overrides(settings, where)
    implied = raw.get("implied_end")
    if implied is not None and (implied not in IMPLIED_END_RULES or "834" not in transactions):
        raise _fail(
            where,
            f"implied_end is one of {', '.join(IMPLIED_END_RULES)}, in a guide for 834 files",
        )
    applies = raw.get("applies_to") or {}
    citations = _citations(raw.get("source"), f"{where} source")
    return Guide(
        name=str(raw["guide"]),
        title=str(raw["title"]),
        version=str(raw["version"]),
        transactions=transactions,
        effective_from=_date(effective.get("from"), f"{where}.effective.from"),
        effective_to=_date(effective.get("to"), f"{where}.effective.to"),
        receiver_ids=tuple(str(r) for r in applies.get("receiver_ids") or ()),
        source="; ".join(citations),
        citations=citations,
        rules=rules,
        acceptance_threshold=float(threshold) if threshold is not None else None,
        settings=dict(settings),
        path=path,
        base=bool(raw.get("base", False)),
        implied_end=str(implied) if implied is not None else None,
    )
