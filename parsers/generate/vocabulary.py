"""Synthetic reference data for the generators (made up; any resemblance to real people is
coincidental): names, addresses, organisations, taxonomies and the diagnosis, procedure and
revenue codes the generated claims use."""

from __future__ import annotations

__all__ = [
    "ANTERIOR_TEETH",
    "ATTENDING_TAXONOMIES",
    "CDT_LINES",
    "CITIES",
    "CLINIC_NAMES",
    "CLINIC_TAXONOMY",
    "CPT_LINES",
    "DENTAL_NAMES",
    "DENTIST_TAXONOMY",
    "FIRST_NAMES_F",
    "FIRST_NAMES_M",
    "HOSPITAL_NAMES",
    "HOSPITAL_TAXONOMY",
    "ICD10",
    "ICD10_DENTAL",
    "ICD10_INPATIENT",
    "LANGUAGES",
    "LAST_NAMES",
    "MIDDLE_INITIALS",
    "PLAN_NAME",
    "PLAN_PAYER_ID",
    "POSTERIOR_TEETH",
    "PROF_TAXONOMIES",
    "QUADRANTS",
    "REV_INPATIENT",
    "REV_OUTPATIENT",
    "SPONSOR_NAME",
    "STREETS",
    "SURFACES_POSTERIOR",
]

# fmt: off
LAST_NAMES = (
    "ALDERANE", "BRISVALE", "CALDERONI", "DORVANTE", "ESPARVEL", "FARNSWICK", "GALLOWEN",
    "HARROVAL", "IRVELLO", "JASPERTON", "KORVALLIS", "LUMANTE", "MERIDANO", "NOVARETTE",
    "OKANDER", "PELLAVIA", "QUINTERRA", "ROSALVEN", "SANTAVERO", "TREMBALL", "ULLASTRO",
    "VANTERELLI", "WESTBROOKE", "YARROWAY", "ZELLANDO",
)
FIRST_NAMES_F = (
    "ADRIANA", "BEATRIZ", "CAMILA", "DANIELA", "ELENA", "FLORA", "GRACIELA", "HANNAH",
    "ISABEL", "JASMINE", "KAREN", "LUCIA", "MAYA", "NADIA", "OLIVIA", "PAULA", "ROSA",
)
FIRST_NAMES_M = (
    "ANDRES", "BRANDON", "CARLOS", "DAVID", "EDUARDO", "FELIPE", "GABRIEL", "HECTOR",
    "IVAN", "JAVIER", "KEVIN", "LUIS", "MARCO", "NATHAN", "OSCAR", "PEDRO", "RAFAEL",
)
MIDDLE_INITIALS = "ABCDEFGHJKLMNPRSTVW"
STREETS = (
    "OAK MEADOW LN", "CEDAR HOLLOW DR", "MARIPOSA VISTA AVE", "SYCAMORE BEND CT",
    "POPPY FIELD WAY", "REDWOOD TERRACE RD", "ALMOND GROVE ST", "CANYON SPRING BLVD",
    "WILLOW CREEK PL", "SAGEBRUSH RIDGE DR", "LUPINE HILL ST", "MANZANITA PARK AVE",
)
#: (city, first three ZIP digits)
CITIES = (
    ("SACRAMENTO", "958"), ("FRESNO", "937"), ("LOS ANGELES", "900"), ("OAKLAND", "946"),
    ("SAN DIEGO", "921"), ("STOCKTON", "952"), ("BAKERSFIELD", "933"), ("SAN JOSE", "951"),
    ("RIVERSIDE", "925"), ("MODESTO", "953"), ("SANTA ROSA", "954"), ("SALINAS", "939"),
)
CLINIC_NAMES = (
    "VALLEY OAK COMMUNITY CLINIC", "SIERRA VISTA FAMILY MEDICINE", "GOLDEN STATE PEDIATRICS",
    "RIVERBEND HEALTH CENTER", "COASTLINE MEDICAL GROUP", "FOOTHILL PRIMARY CARE",
    "MISSION TRAIL FAMILY CLINIC", "HARBOR LIGHT MEDICAL ASSOCIATES",
)
HOSPITAL_NAMES = (
    "VALLEY OAK REGIONAL HOSPITAL", "SIERRA VISTA MEDICAL CENTER",
    "RIVERBEND COMMUNITY HOSPITAL", "COASTLINE GENERAL HOSPITAL",
)
DENTAL_NAMES = (
    "BRIGHT PATH DENTAL GROUP", "SIERRA SMILES DENTAL", "VALLEY OAK FAMILY DENTISTRY",
    "COASTLINE COMMUNITY DENTAL",
)
PLAN_NAME = "GOLDEN POPPY HEALTH PLAN"
PLAN_PAYER_ID = "GPHP1"
SPONSOR_NAME = "CA DEPT OF HEALTH CARE SERVICES"

#: taxonomy codes (NUCC): family medicine, internal medicine, pediatrics, NP family
PROF_TAXONOMIES = ("207Q00000X", "207R00000X", "208000000X", "363LF0000X")
CLINIC_TAXONOMY = "261QF0400X"  # federally qualified health center
HOSPITAL_TAXONOMY = "282N00000X"  # general acute care hospital
ATTENDING_TAXONOMIES = ("207R00000X", "207P00000X", "208M00000X")
DENTIST_TAXONOMY = "1223G0001X"  # general practice dentistry

#: ICD-10-CM codes valid for 2026 dates of service (without the dot)
ICD10 = (
    "J069", "J029", "J209", "E119", "E1165", "I10", "E785", "Z0000", "Z0001", "Z00129",
    "Z23", "M5450", "F419", "K219", "N390", "R109", "R509",
)
ICD10_INPATIENT = ("J189", "A419", "N179", "I214", "K8590", "J441", "L03115")
ICD10_DENTAL = ("K029", "K0262", "K0252", "K0510", "K041", "Z0120")

#: (CPT/HCPCS, charge in cents, units choices)
CPT_LINES = (
    ("99213", 12500, (1,)), ("99214", 18500, (1,)), ("99203", 16000, (1,)),
    ("99395", 21000, (1,)), ("99393", 17500, (1,)), ("90471", 2500, (1, 2)),
    ("90686", 3200, (1,)), ("87880", 2800, (1,)), ("36415", 1500, (1,)),
    ("85025", 2200, (1,)), ("80053", 3500, (1,)), ("81002", 1200, (1,)),
)
#: outpatient (revenue code, HCPCS, charge in cents)
REV_OUTPATIENT = (
    ("0450", "99283", 68000), ("0450", "99284", 112000), ("0300", "80053", 9500),
    ("0305", "85025", 6500), ("0320", "71046", 32000), ("0636", "J2405", 4500),
    ("0510", "G0463", 29000), ("0730", "93005", 18000),
)
#: the NDC (11 digits, 5-4-2) sent with a drug's HCPCS J-code line (2410 LIN*N4): synthetic
SYNTHETIC_NDC = "00000123401"
#: inpatient ancillary (revenue code, HCPCS or "", charge in cents)
REV_INPATIENT = (
    ("0250", "", 42000), ("0300", "80053", 9500), ("0305", "85025", 6500),
    ("0320", "71046", 32000), ("0730", "93005", 18000),
)
#: (CDT code, charge in cents, tooth kind: "" none, "T" tooth, "S" tooth + surfaces,
#:  "Q" quadrant in SV304)
CDT_LINES = (
    ("D0120", 6000, ""), ("D0150", 9500, ""), ("D0274", 7000, ""), ("D1110", 11000, ""),
    ("D1120", 8000, ""), ("D1206", 4500, ""), ("D0220", 3000, "T"), ("D2391", 16000, "S"),
    ("D2392", 19500, "S"), ("D2140", 12000, "S"), ("D2150", 14500, "S"), ("D7140", 18500, "T"),
    ("D4341", 24000, "Q"), ("D3310", 85000, "T"),
)
POSTERIOR_TEETH = ("2", "3", "4", "5", "12", "13", "14", "15", "18", "19", "20", "21",
                    "28", "29", "30", "31")
ANTERIOR_TEETH = ("6", "7", "8", "9", "10", "11", "22", "23", "24", "25", "26", "27")
SURFACES_POSTERIOR = ("M", "O", "D", "B", "L")
QUADRANTS = ("10", "20", "30", "40")

LANGUAGES = ("eng", "spa", "vie", "chi", "tgl", "kor", "arm", "rus")
# fmt: on
