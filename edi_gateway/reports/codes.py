"""What the X12 acknowledgment codes of SNIP 1-2 findings mean, and how a billing office
fixes each one. ``code`` is read by the finding's level: TA105 (interchange), AK905 (group),
IK502 (transaction), IK304 (segment) or IK403 (element); see :mod:`parsers.findings`."""

from __future__ import annotations

__all__ = ["OWN_CODES", "code_meaning", "fix_for"]

_REGENERATE = (
    "Create the file again in your billing software and resend it; do not edit the file by "
    "hand. If it happens again, ask your software vendor or clearinghouse to correct it."
)

# TA105 (element I18): interchange note codes
_INTERCHANGE: dict[str, tuple[str, str]] = {
    "001": (
        "The interchange control number in the header (ISA13) and trailer (IEA02) do not match",
        _REGENERATE,
    ),
    "002": (
        "This standard, as noted in the control standards identifier, is not supported",
        _REGENERATE,
    ),
    "003": (
        "This version of the controls is not supported",
        "Send the file in the X12 5010 format (ISA12 = 00501). " + _REGENERATE,
    ),
    "004": ("The segment terminator is invalid", _REGENERATE),
    "005": (
        "Invalid interchange ID qualifier for the sender (ISA05)",
        "Use the sender ID qualifier you were enrolled with (usually ZZ).",
    ),
    "006": (
        "Invalid interchange sender ID (ISA06)",
        "Use the submitter ID you were enrolled with as the sender (ISA06). If you send "
        "through a clearinghouse, ask it to use its enrolled ID.",
    ),
    "007": (
        "Invalid interchange ID qualifier for the receiver (ISA07)",
        "Use the receiver ID qualifier from the plan's companion guide (usually ZZ).",
    ),
    "008": (
        "Invalid interchange receiver ID (ISA08)",
        "Address the file to the receiver ID given in the plan's companion guide.",
    ),
    "009": (
        "Unknown interchange receiver ID (ISA08)",
        "Address the file to the receiver ID given in the plan's companion guide.",
    ),
    "010": ("Invalid authorization information qualifier (ISA01)", _REGENERATE),
    "011": ("Invalid authorization information value (ISA02)", _REGENERATE),
    "012": ("Invalid security information qualifier (ISA03)", _REGENERATE),
    "013": ("Invalid security information value (ISA04)", _REGENERATE),
    "014": (
        "Invalid interchange date (ISA09)",
        "Check the computer's date and create the file again (ISA09 is YYMMDD).",
    ),
    "015": (
        "Invalid interchange time (ISA10)",
        "Check the computer's clock and create the file again (ISA10 is HHMM).",
    ),
    "016": ("Invalid interchange standards identifier (ISA11)", _REGENERATE),
    "017": (
        "Invalid interchange version ID (ISA12)",
        "Send the file in the X12 5010 format (ISA12 = 00501). " + _REGENERATE,
    ),
    "018": (
        "Invalid interchange control number (ISA13)",
        "ISA13 must be a 9-digit number. " + _REGENERATE,
    ),
    "019": (
        "Invalid acknowledgment requested value (ISA14)",
        "ISA14 must be 0 or 1. " + _REGENERATE,
    ),
    "020": (
        "Invalid test indicator (ISA15)",
        "ISA15 must be P for production files or T for test files.",
    ),
    "021": ("Invalid number of included groups (IEA01)", _REGENERATE),
    "022": ("Invalid control structure", _REGENERATE),
    "023": (
        "The file ends too early (truncated)",
        "The file was cut short: send the complete file again. If it happens again, check "
        "the upload or transfer for interruptions.",
    ),
    "024": (
        "Invalid interchange content",
        "The file is not a readable X12 interchange (for example it does not start with "
        "ISA, or the ISA is not 106 characters). " + _REGENERATE,
    ),
    "025": (
        "Duplicate interchange control number (ISA13)",
        "This ISA13 was already used in a file we accepted. If this is a new file, create "
        "it again so it gets a new control number; if you are resending the same file, "
        "nothing needs to be done: it was already received.",
    ),
    "026": ("Invalid data element separator", _REGENERATE),
    "027": ("Invalid component element separator", _REGENERATE),
    "028": ("Invalid delivery date in deferred delivery request", _REGENERATE),
    "029": ("Invalid delivery time in deferred delivery request", _REGENERATE),
    "030": ("Invalid delivery time code in deferred delivery request", _REGENERATE),
    "031": ("Invalid grade of service code", _REGENERATE),
}

# AK905 (element 716): functional group errors
_GROUP: dict[str, tuple[str, str]] = {
    "1": (
        "Functional group not supported",
        "Send claims (GS01 = HC), enrollment (BE) or payment (HP) files only.",
    ),
    "2": (
        "Functional group version not supported",
        "Use the implementation guide version this gateway accepts, for example "
        "005010X222A1 for 837P (GS08).",
    ),
    "3": ("Functional group trailer (GE) missing", _REGENERATE),
    "4": ("Group control number in the header (GS06) and trailer (GE02) do not agree", _REGENERATE),
    "5": (
        "Number of included transaction sets (GE01) does not match the actual count",
        _REGENERATE,
    ),
    "6": ("Group control number violates syntax (GS06)", _REGENERATE),
    "19": (
        "Functional group control number not unique within the interchange",
        "Give each functional group (GS) in the file its own control number. " + _REGENERATE,
    ),
}

# IK502 (element 718): transaction set errors
_TRANSACTION: dict[str, tuple[str, str]] = {
    "1": (
        "Transaction set not supported",
        "Send a transaction this gateway accepts: 837P, 837I, 837D, 834 or 835.",
    ),
    "2": (
        "Transaction set trailer (SE) missing",
        "The transaction was not finished. " + _REGENERATE,
    ),
    "3": (
        "Transaction set control number in header (ST02) and trailer (SE02) do not match",
        _REGENERATE,
    ),
    "4": (
        "Number of included segments (SE01) does not match the actual count",
        "SE01 must count the segments from ST to SE; this happens when a file is edited "
        "by hand. " + _REGENERATE,
    ),
    "5": (
        "One or more segments in error",
        "Correct the segment and field errors listed for this transaction set, then resend it.",
    ),
    "6": ("Missing or invalid transaction set identifier (ST01)", _REGENERATE),
    "7": (
        "Missing or invalid transaction set control number (ST02)",
        "ST02 must be a 4 to 9 digit number. " + _REGENERATE,
    ),
    "23": (
        "Transaction set control number not unique within the functional group",
        "Give each transaction set (ST) in a group its own control number. " + _REGENERATE,
    ),
    "I5": (
        "Implementation: one or more segments in error",
        "Correct the segment and field errors listed for this transaction set, then resend it.",
    ),
    "I6": (
        "Implementation convention not supported",
        "Use the implementation guide version this gateway accepts, for example "
        "005010X222A1 for 837P (ST03 and GS08).",
    ),
}

# IK304 (element 620): segment errors
_SEGMENT: dict[str, tuple[str, str]] = {
    "1": (
        "Unrecognized segment ID",
        "Remove or correct this record: your billing software sent a segment the guide "
        "does not define.",
    ),
    "2": (
        "Unexpected segment",
        "Remove this record or move it where the guide expects it; often a field in the "
        "billing system was filled in that does not apply to this claim.",
    ),
    "3": (
        "Required segment missing",
        "Enter the required information: a whole record is missing (for example the "
        "subscriber, patient or provider details). Check that every required screen of the "
        "claim is complete.",
    ),
    "4": (
        "Loop occurs over maximum times",
        "Send fewer repeats of this group (for example at most 50 service lines on a "
        "professional claim): split the claim into several claims.",
    ),
    "5": (
        "Segment exceeds maximum use",
        "Send this information fewer times: it is repeated more often than allowed (for "
        "example too many diagnosis codes or dates).",
    ),
    "6": (
        "Segment not in defined transaction set",
        "Remove this record: it does not belong to this kind of transaction.",
    ),
    "7": (
        "Segment not in proper sequence",
        "Put this record in the order the guide requires. " + _REGENERATE,
    ),
    "8": ("Segment has data element errors", "Correct the field errors listed for this record."),
    "I4": (
        "Implementation 'not used' segment present",
        "Remove this record: the guide does not use it here.",
    ),
    "I6": (
        "Implementation dependent segment missing",
        "Add this record: the guide requires it in this situation (for example a referring "
        "provider when a referral number is sent).",
    ),
    "I7": (
        "Implementation loop occurs under minimum times",
        "Add the missing group of records: the guide requires at least the minimum number.",
    ),
    "I8": (
        "Implementation segment below minimum use",
        "Send this record the number of times the guide requires.",
    ),
    "I9": (
        "Implementation dependent 'not used' segment present",
        "Remove this record: the guide does not allow it in this situation.",
    ),
}

# IK403 (element 621): element errors
_ELEMENT: dict[str, tuple[str, str]] = {
    "1": ("Required data element missing", "Enter the required field; it cannot be blank."),
    "2": (
        "Conditional required data element missing",
        "Enter this field: it is required because a related field is filled in.",
    ),
    "3": (
        "Too many data elements",
        "Remove the extra fields at the end of this record: more fields were sent than the "
        "guide defines.",
    ),
    "4": (
        "Data element too short",
        "Enter the complete value: it is shorter than the minimum length for this field.",
    ),
    "5": (
        "Data element too long",
        "Shorten the value to the maximum length allowed for this field.",
    ),
    "6": (
        "Invalid character in data element",
        "Remove characters that are not allowed: use letters, digits and basic punctuation; "
        "amounts and numbers without spaces, commas or currency signs.",
    ),
    "7": ("Invalid code value", "Pick a value from the list the guide allows for this field."),
    "8": ("Invalid date", "Enter a real calendar date as CCYYMMDD (for example 20260907)."),
    "9": ("Invalid time", "Enter the time as HHMM on a 24-hour clock (for example 1430)."),
    "10": (
        "Exclusion condition violated",
        "Fill in only one of the fields that exclude each other; leave the other blank.",
    ),
    "12": ("Too many repetitions", "Send fewer repeats of this field than the maximum allowed."),
    "13": ("Too many components", "Remove the extra parts of this composite field."),
    "I6": (
        "Code value not used in implementation",
        "This code exists in X12 but the guide does not allow it here: pick a value from "
        "the list the guide allows for this field.",
    ),
    "I9": (
        "Implementation dependent data element missing",
        "Enter this field: the guide requires it in this situation.",
    ),
    "I10": (
        "Implementation 'not used' data element present",
        "Leave this field blank: the guide does not use it here.",
    ),
    "I11": (
        "Implementation too few repetitions",
        "Send at least the number of repeats the guide requires for this field.",
    ),
    "I12": (
        "Implementation pattern match failure",
        "Correct the value to the format the guide requires for this field.",
    ),
    "I13": (
        "Implementation dependent 'not used' data element present",
        "Leave this field blank in this situation: the guide does not allow it.",
    ),
}

_BY_LEVEL: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "interchange": ("TA105", _INTERCHANGE),
    "group": ("AK905", _GROUP),
    "transaction": ("IK502", _TRANSACTION),
    "segment": ("IK304", _SEGMENT),
    "element": ("IK403", _ELEMENT),
}

#: our own short codes for business edits that are not guide rules
OWN_CODES: dict[str, tuple[str, str]] = {
    "DUP": (
        "Duplicate claim or service line",
        "Do not resend claims that were already accepted. To change an accepted claim send a "
        "replacement (claim frequency 7, with the payer's claim number in REF*F8); to cancel "
        "it send a void (frequency 8).",
    ),
    "MAP": (
        "The claim could not be read",
        "Check that the claim's required fields are complete in your billing system and "
        "resend it; if it happens again, contact support with the line number.",
    ),
    "THRESHOLD": (
        "Too few claims pass the companion guide",
        "Correct the rejected claims listed in this report and send the whole file again.",
    ),
}


def code_meaning(level: str, code: str) -> str | None:
    """``IK403 7: Invalid code value`` for a SNIP 1-2 finding's level and code."""
    entry = _BY_LEVEL.get(level)
    if entry is None:
        own = OWN_CODES.get(code)
        return own[0] if own else None
    element, table = entry
    known = table.get(code)
    return f"{element} {code}: {known[0]}" if known else f"{element} {code}"


def fix_for(level: str, code: str) -> str | None:
    """How a billing office fixes a SNIP 1-2 finding (or one of our own codes)."""
    entry = _BY_LEVEL.get(level)
    table = entry[1] if entry else OWN_CODES
    known = table.get(code)
    if known is None and entry is not None:
        return _REGENERATE if level in ("interchange", "group", "transaction") else None
    return known[1] if known else None
