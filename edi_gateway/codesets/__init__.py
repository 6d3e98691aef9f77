"""Code lists imported without a release: stored in the database, read by the service and
every worker, handed to the companion guides (``edi-gateway codesets list|import``)."""
