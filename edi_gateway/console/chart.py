"""The dashboard's chart, drawn on the server as inline SVG: per period, the acceptance
rate of claims received and the denial rate of claims adjudicated in 835s, as two bars
each labelled with its figure, and the denial target as a dashed line. No script."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..stats.service import Stats

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 40
#: periods shown at most (the latest)
PERIODS = 12


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    title: str
    kind: str  # accepted, denied


@dataclass(slots=True)
class Row:
    period: str
    received: int = 0
    accepted: int = 0
    adjudicated: int = 0
    denied: int = 0

    @property
    def acceptance(self) -> float | None:
        return self.accepted / self.received if self.received else None

    @property
    def denial(self) -> float | None:
        return self.denied / self.adjudicated if self.adjudicated else None


@dataclass(slots=True)
class Chart:
    rows: list[Row]
    target: float
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    periods: list[tuple[float, str]] = field(default_factory=list)
    target_y: float = 0.0
    plot: tuple[float, float, float, float] = (0, 0, 0, 0)  # left, top, right, bottom


def rows_of(stats: Stats) -> list[Row]:
    """Claims and 835 figures of every partner and payer, summed per period."""
    rows: dict[str, Row] = defaultdict(lambda: Row(""))
    for c in stats.claims:
        r = rows[c["period"]]
        r.received += int(c["claims_received"])
        r.accepted += int(c["claims_accepted"])
    for d in stats.denials:
        r = rows[d["period"]]
        r.adjudicated += int(d["claims_adjudicated"])
        r.denied += int(d["claims_denied"])
    out = []
    for period in sorted(rows)[-PERIODS:]:
        rows[period].period = period
        out.append(rows[period])
    return out


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def build(stats: Stats) -> Chart:
    chart = Chart(rows_of(stats), stats.denial_target)
    left, top = LEFT, TOP
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    chart.plot = (left, top, right, bottom)
    span = bottom - top

    def y_of(rate: float) -> float:
        return round(bottom - rate * span, 1)

    chart.ticks = [(y_of(t / 100), f"{t}%") for t in (0, 25, 50, 75, 100)]
    chart.target_y = y_of(stats.denial_target)
    if not chart.rows:
        return chart
    slot = (right - left) / len(chart.rows)
    bar = min(36.0, slot / 3)
    for i, row in enumerate(chart.rows):
        x0 = left + i * slot + (slot - 2 * bar) / 2
        chart.periods.append((round(left + i * slot + slot / 2, 1), row.period))
        figures: list[tuple[str, float | None, str]] = [
            ("accepted", row.acceptance, f"{row.accepted} of {row.received} claims accepted"),
            ("denied", row.denial, f"{row.denied} of {row.adjudicated} claims denied"),
        ]
        for j, (kind, rate, words) in enumerate(figures):
            if rate is None:
                continue
            y = y_of(rate)
            chart.bars.append(
                Bar(
                    round(x0 + j * bar, 1),
                    y,
                    round(bar - 2, 1),
                    round(bottom - y, 1),
                    _pct(rate),
                    f"{row.period}: {words} ({_pct(rate)})",
                    kind,
                )
            )
    return chart
