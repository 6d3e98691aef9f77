"""The envelope levels the validator checks around each transaction set's guide walk.

One class per level, each built on the one inside it, so that closing an outer level can
close the inner ones: :class:`~parsers.envelope.state.EnvelopeState` (per-file state and
the bounded finding bookkeeping), :class:`~parsers.envelope.transaction.TransactionSetLevel`
(ST/SE), :class:`~parsers.envelope.group.GroupLevel` (GS/GE) and
:class:`~parsers.envelope.interchange.InterchangeLevel` (ISA/IEA, TA1 and files that are
not usable X12). :class:`parsers.engine.Validator` streams a file through them.
"""

__all__: list[str] = []
