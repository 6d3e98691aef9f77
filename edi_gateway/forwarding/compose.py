"""Outbound files from claims: split by the plan's batch limits, written, and checked by
the check stream (our SNIP 1-2 and the plan's guide) before anything leaves.

Pure computation (no database): ``compose`` runs in a worker thread. A claim the check
stream rejects is held back (with the findings that say why) and the file written again
without it; a file still not accepted then holds back all its claims.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from mappings.check import CheckedFile, CheckedSet, CheckedUnit, GuideSelection, check
from mappings.codesets.catalog import CodeLists
from mappings.guides import Guide
from mappings.records import EncounterClaim
from mappings.x837_write import Envelope, WrittenClaim, WrittenFile, write_837

__all__ = ["Candidate", "HeldBack", "Limits", "OutFile", "compose", "st_control"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An accepted encounter waiting to be forwarded."""

    encounter_id: int
    submission_id: str
    partner_id: int | None
    claim: EncounterClaim


@dataclass(frozen=True, slots=True)
class Limits:
    claims_per_set: int
    sets_per_file: int
    bytes_per_file: int


@dataclass(slots=True)
class OutFile:
    written: WrittenFile
    interchange_control: int
    #: the candidates in file order, each with where it went
    placed: list[tuple[Candidate, WrittenClaim]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class HeldBack:
    candidate: Candidate
    reasons: tuple[str, ...]


def st_control(interchange_control: int, ordinal: int) -> str:
    """ST02 of the ``ordinal``-th set (1-based) of an interchange: unique per plan, so the
    plan's 999 AK202 and 277CA 2200B TRN02 name one set of one file."""
    return f"{interchange_control % 100_000:05d}{ordinal:04d}"


def _sets(
    control: int, candidates: Sequence[Candidate], per_set: int
) -> list[tuple[str, list[Candidate]]]:
    return [
        (st_control(control, n), list(candidates[start : start + per_set]))
        for n, start in enumerate(range(0, len(candidates), per_set), 1)
    ]


def _write(
    envelope: Envelope, guide: str, control: int, sets: list[tuple[str, list[Candidate]]]
) -> OutFile:
    env = replace(envelope, interchange_control=control, group_control=control)
    written = write_837(env, guide, [(st, [c.claim for c in chunk]) for st, chunk in sets])
    flat = [c for _, chunk in sets for c in chunk]
    return OutFile(written, control, list(zip(flat, written.claims, strict=True)))


def _unwritable(envelope: Envelope, guide: str, control: int, candidate: Candidate) -> str | None:
    """Why the claim cannot be written in an 837 of ours (None: it can)."""
    try:
        _write(envelope, guide, control, _sets(control, [candidate], 1))
    except ValueError as exc:
        return f"cannot be written: {exc}"
    return None


def _verdicts(
    data: bytes, guides: GuideSelection
) -> tuple[bool, dict[tuple[str, int], list[str]], dict[str, list[str]], list[str]]:
    """(file accepted, rejected claims by (ST02, position) with their messages, rejected
    sets with theirs, file-level messages) as the check stream decides them."""
    rejected: dict[tuple[str, int], list[str]] = {}
    sets_rejected: dict[str, list[str]] = {}
    positions: dict[str, int] = {}
    messages: list[str] = []
    accepted = False
    for item in check(data, guides):
        if isinstance(item, CheckedUnit):
            st02 = item.unit.header.st_control_number
            positions[st02] = positions.get(st02, 0) + 1
            if not item.accepted:
                rejected[(st02, positions[st02])] = [
                    f"{f.rule_id or f.code}: {f.message}" for f in item.findings if f.is_error
                ]
        elif isinstance(item, CheckedSet):
            if not item.accepted:
                found = [*item.event.result.findings, *item.findings]
                sets_rejected[item.header.st_control_number] = [
                    f"{f.rule_id or f.code}: {f.message}" for f in found if f.is_error
                ]
        elif isinstance(item, CheckedFile):
            accepted = item.accepted
            found = [*item.result.all_findings(), *item.findings]
            messages = [f"{f.rule_id or f.code}: {f.message}" for f in found if f.is_error]
    return accepted, rejected, sets_rejected, messages


def _checked(
    envelope: Envelope,
    guide: str,
    control: int,
    candidates: list[Candidate],
    limits: Limits,
    guides: GuideSelection,
) -> tuple[OutFile | None, list[HeldBack]]:
    held: list[HeldBack] = []
    for _attempt in range(3):
        if not candidates:
            return None, held
        try:
            out = _write(
                envelope, guide, control, _sets(control, candidates, limits.claims_per_set)
            )
        except ValueError:
            # a stored value holds one of our separators (the provider's file used others):
            # those claims are held back with the reason, the rest written
            unwritable = [(c, _unwritable(envelope, guide, control, c)) for c in candidates]
            held += [HeldBack(c, (why,)) for c, why in unwritable if why is not None]
            candidates = [c for c, why in unwritable if why is None]
            continue
        accepted, rejected, sets_rejected, messages = _verdicts(out.written.data, guides)
        if accepted:
            return out, held
        keep: list[Candidate] = []
        for candidate, where in out.placed:
            reasons = rejected.get((where.st_control, where.position))
            if reasons is not None:
                held.append(HeldBack(candidate, tuple(reasons) or ("rejected by the guide",)))
            elif where.st_control in sets_rejected and not rejected:
                why = sets_rejected[where.st_control] or messages
                held.append(HeldBack(candidate, tuple(why[:3]) or ("set rejected",)))
            else:
                keep.append(candidate)
        if len(keep) == len(candidates):  # nothing to take out: the file itself fails
            break
        candidates = keep
    held += [
        HeldBack(c, ("the outbound file did not pass SNIP 1-2 or the plan's guide",))
        for c in candidates
    ]
    return None, held


def compose(
    envelope: Envelope,
    guide: str,
    candidates: Sequence[Candidate],
    limits: Limits,
    plan_guide: Guide | None,
    first_control: int,
    today: dt.date,
    code_lists: CodeLists | None = None,
) -> tuple[list[OutFile], list[HeldBack]]:
    """Files of ``guide`` claims within ``limits``, control numbers from ``first_control``;
    codes judged with the imported ``code_lists`` as at ingest."""
    guides = GuideSelection(plan_guide, today, code_lists=code_lists)
    per_file = limits.claims_per_set * limits.sets_per_file
    pending = [list(candidates[i : i + per_file]) for i in range(0, len(candidates), per_file)]
    files: list[OutFile] = []
    held: list[HeldBack] = []
    control = first_control
    while pending:
        chunk = pending.pop(0)
        out, back = _checked(envelope, guide, control, chunk, limits, guides)
        held += back
        if out is None:
            continue
        if len(out.written.data) > limits.bytes_per_file and len(out.placed) > 1:
            kept = [c for c, _ in out.placed]
            half = len(kept) // 2
            pending[:0] = [kept[:half], kept[half:]]
            continue
        if len(out.written.data) > limits.bytes_per_file:
            held.append(HeldBack(out.placed[0][0], ("one claim is larger than bytes per file",)))
            continue
        files.append(out)
        control += 1
    return files, held
