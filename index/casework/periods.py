"""Reporting periods: month, quarter, 6 months, year or custom, and the one before each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from safewatch.errors import SafeWatchError
from safewatch.timezones import VIETNAM

KINDS = ("month", "quarter", "half", "year", "custom")


class PeriodError(SafeWatchError, ValueError):
    pass


@dataclass(frozen=True)
class Period:
    """[start, end) in Vietnam time; reports count what happened inside it."""
    kind: str
    start: date
    end: date  # exclusive

    @property
    def label(self) -> str:
        last = self.end - timedelta(days=1)
        return f"{self.start:%d/%m/%Y} – {last:%d/%m/%Y}"

    @property
    def start_iso(self) -> str:
        return datetime.combine(self.start, time(), VIETNAM).isoformat()

    @property
    def end_iso(self) -> str:
        return datetime.combine(self.end, time(), VIETNAM).isoformat()

    def previous(self) -> Period:
        if self.kind == "custom":
            length = self.end - self.start
            return Period("custom", self.start - length, self.start)
        months = {"month": 1, "quarter": 3, "half": 6, "year": 12}[self.kind]
        return Period(self.kind, _add_months(self.start, -months), self.start)


# The years a report may cover: the period before the first one (at most ten years for a custom one) and
# the one after the last still exist.
FIRST_YEAR, LAST_YEAR = 1980, 9988


def period(kind: str, anchor: date, end: date | None = None) -> Period:
    """The period of `kind` containing `anchor` (custom: anchor to end, both inclusive)."""
    for day in (anchor, end):
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise PeriodError("Reports cover the years %(first)s to %(last)s; %(day)s is outside them.",
                              first=FIRST_YEAR, last=LAST_YEAR, day=day.isoformat())
    if kind == "custom":
        if end is None or end < anchor:
            raise PeriodError("A custom period needs an end date on or after its start.")
        if (end - anchor).days >= 366 * 10:
            raise PeriodError("A custom period covers at most ten years.")
        return Period("custom", anchor, end + timedelta(days=1))
    if kind not in KINDS:
        raise PeriodError("Unknown period '%(period)s'; use one of: %(periods)s.", period=kind,
                          periods=", ".join(KINDS))
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12}[kind]
    first_month = (anchor.month - 1) // months * months + 1
    start = date(anchor.year, first_month, 1)
    return Period(kind, start, _add_months(start, months))


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
