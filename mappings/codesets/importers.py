"""Reading the publishers' own files into a versioned list (``edi-gateway codesets import``).

Three formats, each as published:

- CMS ICD-10-CM *code descriptions in tabular order* (``icd10cm_order_YYYY.txt``), fixed
  width: order number (columns 1-5), code without the dot (7-13), 1 for a billable code or
  0 for a header (15), short description (17-76), long description (78-). Release FY YYYY
  is in effect for services from 1 October YYYY-1 to 30 September YYYY. Only billable
  codes are kept.
- CMS alpha-numeric HCPCS file (``HCPCYYYY_MON_ANWEB*.txt``), fixed width records of 320
  characters: code (1-5), sequence (6-10), record identification (11: 3 the first line of
  a procedure, 4 a continuation, 7 and 8 modifiers), long description (12-91), short
  description (92-119), code added date (269-276), action effective date (277-284),
  termination date (285-292), action code (293); dates YYYYMMDD. The list is in effect
  from the 1st of the file's month (or ``effective``).
- CARC/RARC as X12 publishes them, CSV: code, description, start date, stop date (an
  optional header row; dates YYYY-MM-DD or MM/DD/YYYY; the stop date may be empty).

A file that does not follow its format raises :class:`ImportFormatError` naming the line;
nothing is returned, so nothing half-read can be stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from .model import CodeSetError

__all__ = ["ImportFormatError", "ParsedList", "parse_list_file"]

_ICD_FILE = re.compile(r"icd10cm_order_(\d{4})\w*\.txt", re.IGNORECASE)
_HCPCS_FILE = re.compile(r"HCPCS?(\d{4})_?([A-Z]{3})?\w*\.(txt|xlsx)", re.IGNORECASE)
_ICD_CODE = re.compile(r"[A-Z][0-9][0-9A-Z]{1,5}")
_HCPCS_CODE = re.compile(r"[A-Z][0-9]{4}")
_CARC = re.compile(r"[0-9]{1,3}|[A-Z][0-9]{1,2}")
_RARC = re.compile(r"(M|MA|N)[0-9]{1,3}")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
LISTS = ("icd10cm", "hcpcs", "claim_adjustment_reason", "remittance_advice_remark")


class ImportFormatError(CodeSetError):
    """The file does not follow its publisher's format; the message names the line."""


@dataclass(frozen=True)
class ParsedList:
    name: str
    version: str
    source: str
    effective_from: dt.date
    effective_to: dt.date | None
    #: (code, first day or None, last day or None, short description)
    entries: tuple[tuple[str, dt.date | None, dt.date | None, str], ...]


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # CMS's older files


def parse_list_file(
    file_name: str,
    data: bytes,
    *,
    list_name: str | None = None,
    version: str | None = None,
    effective: dt.date | None = None,
) -> ParsedList:
    """Read a publisher's file; which format by ``list_name`` or else by the file name."""
    if list_name is not None and list_name not in LISTS:
        raise ImportFormatError(f"unknown list {list_name!r}; import one of {', '.join(LISTS)}")
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    if list_name == "icd10cm" or (list_name is None and _ICD_FILE.fullmatch(base)):
        return _icd10cm(base, _text(data), version, effective)
    if list_name == "hcpcs" or (list_name is None and _HCPCS_FILE.fullmatch(base)):
        if base.lower().endswith(".xlsx"):
            raise ImportFormatError(
                f"{base}: the Excel copy of the HCPCS file is not read; import the text "
                "file of the same release (HCPCYYYY_MON_ANWEB*.txt)"
            )
        return _hcpcs(base, _text(data), version, effective)
    if list_name is not None or base.lower().endswith(".csv"):
        return _x12_csv(base, _text(data), list_name, version, effective)
    raise ImportFormatError(
        f"{base}: cannot tell which list this is; name it icd10cm_order_YYYY.txt, "
        "HCPCYYYY_MON_ANWEB.txt or FILE.csv, or give --list"
    )


def _date8(where: str, text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise ImportFormatError(f"{where}: {text!r} is not a date (YYYYMMDD)") from None


def _icd10cm(base: str, text: str, version: str | None, effective: dt.date | None) -> ParsedList:
    named = _ICD_FILE.fullmatch(base)
    if effective is not None:
        fiscal = effective.year + 1 if effective.month >= 10 else effective.year
    elif named:
        fiscal = int(named.group(1))
    else:
        raise ImportFormatError(
            f"{base}: give --effective (the release's 1 October) or keep CMS's file name "
            "icd10cm_order_YYYY.txt, which names the fiscal year"
        )
    entries: list[tuple[str, dt.date | None, dt.date | None, str]] = []
    seen: set[str] = set()
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{base} line {n}"
        if len(line) < 16 or not line[:5].isdigit() or line[5] != " ":
            raise ImportFormatError(
                f"{where}: not an ICD-10-CM order record (order number in columns 1-5, "
                "code in 7-13, billable flag in 15)"
            )
        code, flag = line[6:13].strip(), line[14]
        if not _ICD_CODE.fullmatch(code):
            raise ImportFormatError(f"{where}: {code!r} is not an ICD-10-CM code (columns 7-13)")
        if flag not in "01" or line[13] != " ":
            raise ImportFormatError(f"{where}: the billable flag (column 15) must be 0 or 1")
        if code in seen:
            raise ImportFormatError(f"{where}: {code} is listed twice")
        seen.add(code)
        if flag == "1":
            entries.append((code, None, None, line[16:76].strip()))
    if not entries:
        raise ImportFormatError(f"{base}: no billable code (flag 1 in column 15)")
    return ParsedList(
        "icd10cm",
        version or f"FY{fiscal}",
        f"CMS ICD-10-CM code descriptions in tabular order ({base})",
        dt.date(fiscal - 1, 10, 1),
        dt.date(fiscal, 9, 30),
        tuple(entries),
    )


def _hcpcs(base: str, text: str, version: str | None, effective: dt.date | None) -> ParsedList:
    named = _HCPCS_FILE.fullmatch(base)
    if effective is None:
        month = named.group(2) if named else None
        if not named or (month is not None and month.upper() not in _MONTHS):
            raise ImportFormatError(
                f"{base}: give --effective or keep CMS's file name HCPCYYYY_MON_ANWEB.txt"
            )
        effective = dt.date(
            int(named.group(1)), _MONTHS.index(month.upper()) + 1 if month else 1, 1
        )
    entries: dict[str, tuple[str, dt.date | None, dt.date | None, str]] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        where = f"{base} line {n}"
        line = raw.ljust(320)
        ric = line[10]
        if ric not in "3478" or not line[5:10].strip().isdigit():
            raise ImportFormatError(
                f"{where}: not a HCPCS record (sequence number in columns 6-10, record "
                "identification 3, 4, 7 or 8 in column 11)"
            )
        if ric != "3":
            continue  # description continuations and modifiers
        code = line[:5].strip()
        if not _HCPCS_CODE.fullmatch(code):
            raise ImportFormatError(f"{where}: {code!r} is not a HCPCS Level II code (columns 1-5)")
        added = _date8(f"{where} columns 269-276", line[268:276])
        ended = _date8(f"{where} columns 285-292", line[284:292])
        _date8(f"{where} columns 277-284", line[276:284])
        if code in entries:
            raise ImportFormatError(f"{where}: {code} is listed twice")
        entries[code] = (code, added, ended, line[91:119].strip())
    if not entries:
        raise ImportFormatError(f"{base}: no HCPCS code record (record identification 3)")
    return ParsedList(
        "hcpcs",
        version or (f"{effective:%Y} {effective:%B}" if named else effective.isoformat()),
        f"CMS alpha-numeric HCPCS file ({base})",
        effective,
        None,
        tuple(entries.values()),
    )


def _csv_date(where: str, text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ImportFormatError(f"{where}: {text!r} is not a date (YYYY-MM-DD or MM/DD/YYYY)")


def _x12_csv(
    base: str, text: str, list_name: str | None, version: str | None, effective: dt.date | None
) -> ParsedList:
    rows = list(csv.reader(io.StringIO(text)))
    entries: list[tuple[str, dt.date | None, dt.date | None, str]] = []
    kinds: set[str] = set()
    seen: set[str] = set()
    for n, row in enumerate(rows, 1):
        if not row or not "".join(row).strip():
            continue
        where = f"{base} line {n}"
        code = row[0].strip().upper()
        if n == 1 and code in ("CODE", "CARC", "RARC", "REASON CODE", "REMARK CODE"):
            continue  # the header row
        if len(row) < 3:
            raise ImportFormatError(f"{where}: expected code, description, start date, stop date")
        if _RARC.fullmatch(code):
            kinds.add("remittance_advice_remark")
        elif _CARC.fullmatch(code):
            kinds.add("claim_adjustment_reason")
        else:
            raise ImportFormatError(f"{where}: {code!r} is not a CARC or RARC code")
        if code in seen:
            raise ImportFormatError(f"{where}: {code} is listed twice")
        seen.add(code)
        start = _csv_date(f"{where} start date", row[2])
        stop = _csv_date(f"{where} stop date", row[3]) if len(row) > 3 else None
        entries.append((code, start, stop, " ".join(row[1].split())[:200]))
    if not entries:
        raise ImportFormatError(f"{base}: no code rows")
    name = list_name or (next(iter(kinds)) if len(kinds) == 1 else "")
    if not name:
        raise ImportFormatError(f"{base}: CARC and RARC codes are mixed; one list per file")
    if name not in kinds or len(kinds) > 1:
        raise ImportFormatError(f"{base}: the codes are not all {name} codes")
    starts = [s for _, s, _, _ in entries if s is not None]
    effective = effective or (max(starts) if starts else None)
    if effective is None:
        raise ImportFormatError(f"{base}: no start dates; give --effective")
    label = "CARC" if name == "claim_adjustment_reason" else "RARC"
    return ParsedList(
        name,
        version or f"X12 {label} list, update of {effective.isoformat()}",
        f"X12 {label} list as published ({base})",
        effective,
        None,
        tuple(entries),
    )
