"""Five-field cron schedules (``minute hour day-of-month month day-of-week``), minimal.

Each field is ``*``, a number, a range ``a-b``, a step ``*/n`` or ``a-b/n``, or a comma list of
those; months and weekdays may be names (``jan``, ``mon``); weekday 0 and 7 are Sunday. As in
Vixie cron, when both day fields are restricted a day matches if either does. Nicknames such
as ``@hourly`` are not accepted (write ``0 * * * *``).

:func:`parse_cron` raises :class:`CronError` with the column of the field at fault; the
scheduler (``plansafe serve``) asks :meth:`CronSchedule.matches` once a minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from verifier.errors import PlansafeError

__all__ = ["CronSchedule", "CronError", "parse_cron"]

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
           ("day of week", 0, 7))
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


class CronError(PlansafeError):
    """A cron expression that does not parse; ``col`` is 1-based within the expression."""

    def __init__(self, message: str, col: int = 1) -> None:
        super().__init__(message)
        self.col = col


@dataclass(frozen=True, slots=True)
class CronSchedule:
    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # day of month was '*'
    any_weekday: bool  # day of week was '*'

    def matches(self, t: datetime) -> bool:
        """Does the schedule fire in the minute of ``t``?"""
        if t.minute not in self.minutes or t.hour not in self.hours \
                or t.month not in self.months:
            return False
        day_ok = t.day in self.days
        weekday_ok = (t.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return day_ok and weekday_ok
        return day_ok or weekday_ok


def _number(text: str, index: int, col: int) -> int:
    name, low, high = _FIELDS[index]
    names = _MONTHS if index == 3 else _DAYS if index == 4 else ()
    word = text.lower()
    if word in names:
        return names.index(word) + (1 if index == 3 else 0)
    if not text.isdigit():
        raise CronError(f"{name}: '{text}' is not a number"
                        + (f" or a name ({', '.join(names)})" if names else ""), col)
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"{name}: {value} is outside {low}-{high}", col)
    return value


def _field(text: str, index: int, col: int) -> frozenset[int]:
    name, low, high = _FIELDS[index]
    out: set[int] = set()
    offset = 0
    for part in text.split(","):
        at = col + offset
        offset += len(part) + 1
        if not part:
            raise CronError(f"{name}: an empty list item", at)
        body, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{name}: the step '/{step_text}' must be a positive number",
                                at + len(body) + 1)
            step = int(step_text)
        if body == "*":
            first, last = low, high
        elif "-" in body:
            a, _, b = body.partition("-")
            first, last = _number(a, index, at), _number(b, index, at + len(a) + 1)
            if first > last:
                raise CronError(f"{name}: the range {body} runs backwards", at)
        else:
            first = _number(body, index, at)
            last = high if slash else first
        out.update(range(first, last + 1, step))
    if index == 4 and 7 in out:
        out = (out - {7}) | {0}
    return frozenset(out)


def parse_cron(text: str) -> CronSchedule:
    """A schedule from five whitespace-separated fields."""
    parts: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        j = i
        while j < len(text) and not text[j].isspace():
            j += 1
        parts.append((text[i:j], i + 1))
        i = j
    if len(parts) != 5:
        raise CronError(f"a cron schedule has 5 fields (minute hour day-of-month month "
                        f"day-of-week), not {len(parts)}: '{text}'")
    m, h, d, mo, w = (_field(p, k, c) for k, (p, c) in enumerate(parts))
    return CronSchedule(text, m, h, d, mo, w, any_day=parts[2][0].startswith("*"),
                        any_weekday=parts[4][0].startswith("*"))
