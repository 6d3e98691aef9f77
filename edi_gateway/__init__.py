"""edi_gateway: an async X12 exchange service for Medi-Cal managed care."""

__version__ = "0.1.0"
