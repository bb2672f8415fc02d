"""The checks every kind's source options share, with one wording for their errors (a source entry is
checked once, when `sources.yml` is loaded, and for `crawl --url`)."""

from __future__ import annotations


def is_whole_number(value: object, low: int = 1, high: int | None = None) -> bool:
    """An int (not a bool: YAML's `true` is not 1) from `low` to `high` (no upper bound when None)."""
    return (not isinstance(value, bool) and isinstance(value, int) and value >= low
            and (high is None or value <= high))


def whole_number(value: object, name: str, *, low: int = 1, high: int | None = None, unit: str = "") -> int:
    """`value` when it is a whole number in range, else ValueError naming the option:
    "option 'max_pages': a whole number, 1 or more (got 0)." / "… a whole number from 1 to 40."."""
    if not is_whole_number(value, low, high):
        if high is None:
            raise ValueError(f"option '{name}': a whole number{unit}, {low} or more (got {value!r}).")
        raise ValueError(f"option '{name}': a whole number{unit} from {low} to {high}.")
    return value  # type: ignore[return-value]
