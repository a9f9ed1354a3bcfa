"""The memory scenario's tools: the flight fails with probability ``FAIL_RATE`` (seeded).

Whether the flight of a parcel fails is drawn from ``random.Random(f"{seed}/{parcel}")``,
the seed from ``$PLANSAFE_ROUTES_SEED`` (default 0): reproducible, and independent from one
parcel to the next (each run of the scenario delivers another parcel). The truck never fails.
"""

from __future__ import annotations

import os
import random

from domains.base import PermanentToolError, ToolContext

FAIL_RATE = 0.8


def flight_fails(parcel: str, seed: int | None = None) -> bool:
    if seed is None:
        seed = int(os.environ.get("PLANSAFE_ROUTES_SEED", "0"))
    return random.Random(f"{seed}/{parcel}").random() < FAIL_RATE


def fly(ctx: ToolContext, parcel: str) -> None:
    if flight_fails(parcel):
        raise PermanentToolError(f"the flight with {parcel} was cancelled")


def load_truck(ctx: ToolContext, parcel: str) -> None:
    return None


def drive(ctx: ToolContext, parcel: str) -> None:
    return None
