"""A deterministic simulated book of accounts for the demo.

Each account follows a latent health trajectory h(day) in [0, 1] — healthy,
mediocre, slowly declining, suddenly collapsing or recovering — and every
signal is drawn from it with noise. Outcomes follow the trajectories: declining
and collapsed accounts churn more often, some weeks after they started to
slide, so the backtest finds real lead time and the suggested weights lean
toward the usage signals that drove churn.

Everything here is plain Python over a seeded ``random.Random``: the same seed
gives the same book.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

ARCHETYPES = [
    # name, share of the book
    ("healthy", 0.42),
    ("mediocre", 0.16),
    ("declining", 0.20),
    ("collapse", 0.10),
    ("recovering", 0.12),
]

_PREFIXES = [
    "North", "Blue", "Bright", "Iron", "Silver", "Cedar", "Harbor", "Summit", "Maple", "Granite", "Aurora",
    "Copper", "Falcon", "Lumen", "Pioneer", "Atlas", "Beacon", "Crest", "Delta", "Ember", "Fjord", "Golden",
    "Helix", "Indigo", "Juniper", "Kestrel", "Lake", "Meridian", "Nimbus", "Orchard", "Pine", "Quartz",
    "River", "Sage", "Tidal", "Union", "Vertex", "Willow", "Zenith", "Oak",
]
_SUFFIXES = [
    "Logistics", "Health", "Analytics", "Foods", "Robotics", "Media", "Labs", "Capital", "Freight", "Energy",
    "Software", "Retail", "Clinics", "Systems", "Partners", "Studios", "Networks", "Insurance", "Bank", "Travel",
]
FIRST_NAMES = ["Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jon", "Kara", "Liam", "Mei",
          "Nora", "Omar", "Paula", "Quinn", "Ravi", "Sofia", "Tom", "Uma", "Victor", "Wen", "Yusuf", "Zoe"]
LAST_NAMES = ["Alvarez", "Brown", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
         "Kowalski", "Larsen", "Müller", "Novak", "Okafor", "Patel", "Rossi", "Schmidt", "Tanaka", "Weber"]


@dataclass
class SimAccount:
    index: int
    name: str
    external_id: str
    domain: str
    segment: str  # "enterprise" | "smb"
    archetype: str
    arr: float
    contract_type: str
    health: list[float]  # one value per day, oldest first
    renewal_date: dt.date
    churn_day: int | None = None  # index into health: last day with data
    outcomes: list[tuple[str, int, float]] = field(default_factory=list)  # (kind, day index, ARR change)
    champion_change_day: int | None = None
    sends_nps: bool = True
    owner_index: int = 0
    # Ages in days of the tickets open at the end of the previous simulated day.
    open_ticket_ages: list[int] = field(default_factory=list)


def _clamp(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return max(lo, min(hi, x))


def _trajectory(rng: random.Random, archetype: str, days: int) -> tuple[list[float], dict]:
    meta: dict = {}
    if archetype == "healthy":
        base = rng.uniform(0.74, 0.95)
        curve = [base] * days
    elif archetype == "mediocre":
        base = rng.uniform(0.42, 0.66)
        curve = [base] * days
    elif archetype == "declining":
        start, end = rng.uniform(0.72, 0.9), rng.uniform(0.08, 0.3)
        begin = rng.randint(int(days * 0.08), int(days * 0.5))
        ramp = rng.randint(min(45, days // 3), min(95, days // 2))
        meta["decline_start"], meta["decline_ramp"] = begin, ramp
        curve = []
        for d in range(days):
            t = _clamp((d - begin) / ramp)
            curve.append(start + (end - start) * t)
    elif archetype == "collapse":
        base = rng.uniform(0.75, 0.92)
        low = rng.uniform(0.05, 0.2)
        at = rng.randint(int(days * 0.45), days - 12)
        meta["collapse_day"] = at
        curve = [base if d < at else low + (base - low) * math.exp(-(d - at) / 2.5) for d in range(days)]
    else:  # recovering
        low, high = rng.uniform(0.15, 0.35), rng.uniform(0.72, 0.9)
        begin = rng.randint(int(days * 0.3), int(days * 0.6))
        ramp = rng.randint(min(30, days // 4), min(60, days // 3))
        meta["recovery_start"] = begin
        curve = [low + (high - low) * _clamp((d - begin) / ramp) for d in range(days)]
    # Week-to-week wobble so charts are not ruler-straight.
    phase = rng.uniform(0, 6.28)
    curve = [_clamp(h + 0.025 * math.sin(phase + d / 5.0) + rng.gauss(0, 0.012)) for d, h in enumerate(curve)]
    return curve, meta


NAME_ATTEMPTS = 20


def _unique_name(rng: random.Random, seen: set[str], numbered: dict[str, int]) -> str:
    """A company name not used yet: a random prefix and suffix, else with a legal-form word; after
    NAME_ATTEMPTS draws (the 4,800 such names run out around that many accounts) the last base
    name gets the next free number ("North Logistics 7"), so a book of any size gets unique names."""
    for _ in range(NAME_ATTEMPTS):
        name = f"{rng.choice(_PREFIXES)} {rng.choice(_SUFFIXES)}"
        if name not in seen:
            return name
        name = f"{name} {rng.choice(['Group', 'Inc', 'Co', 'Holdings', 'International'])}"
        if name not in seen:
            return name
    base = name.rsplit(" ", 1)[0]
    number = numbered.get(base, 1)
    while f"{base} {number}" in seen:
        number += 1
    numbered[base] = number + 1
    return f"{base} {number}"


def simulate_book(*, accounts: int, days: int, today: dt.date, seed: int, csm_count: int) -> list[SimAccount]:
    """The simulated accounts; day index 0 is ``today - (days - 1)``, the last index is today."""
    rng = random.Random(seed)
    names_seen: set[str] = set()
    book: list[SimAccount] = []
    kinds = [name for name, _ in ARCHETYPES]
    weights = [share for _, share in ARCHETYPES]
    first_day = today - dt.timedelta(days=days - 1)
    numbered: dict[str, int] = {}
    for i in range(accounts):
        name = _unique_name(rng, names_seen, numbered)
        names_seen.add(name)
        segment = "enterprise" if rng.random() < 0.3 else "smb"
        archetype = rng.choices(kinds, weights)[0]
        health, meta = _trajectory(rng, archetype, days)
        if segment == "enterprise":
            arr = round(rng.uniform(80_000, 420_000), -3)
            contract = rng.choice(["annual", "annual", "multi_year"])
        else:
            arr = round(rng.uniform(4_000, 45_000), -2)
            contract = rng.choice(["monthly", "annual", "annual"])
        slug = "".join(ch for ch in name.lower() if ch.isalnum())
        acct = SimAccount(
            index=i,
            name=name,
            external_id=f"ACME-{1000 + i}",
            domain=f"{slug}.example",
            segment=segment,
            archetype=archetype,
            arr=arr,
            contract_type=contract,
            health=health,
            renewal_date=today + dt.timedelta(days=rng.randint(5, 360)),
            sends_nps=rng.random() < 0.8,
            owner_index=i % csm_count,
        )
        _decide_outcomes(rng, acct, meta, days, first_day)
        book.append(acct)
    return book


def _decide_outcomes(rng: random.Random, acct: SimAccount, meta: dict, days: int, first_day: dt.date) -> None:
    """Outcomes follow health, with the lead time a score can use.

    A slow decline starts 100 to 160 days before the customer leaves; a
    collapse (champion gone) churns within weeks. Renewals inside the window are
    decided by health over the quarter before them (90 to 30 days out). Churn
    needs 95 days of history before it, so the backtest can look 90 days back.
    """
    if acct.archetype == "collapse":
        acct.champion_change_day = meta["collapse_day"]
    churn_day = None
    if acct.archetype == "declining" and rng.random() < 0.75:
        churn_day = meta["decline_start"] + rng.randint(100, 160)
    elif acct.archetype == "collapse" and rng.random() < 0.45:
        churn_day = meta["collapse_day"] + rng.randint(20, 70)
    if churn_day is not None and 95 <= churn_day <= days - 3:
        _churn(acct, churn_day, first_day)
        return
    if rng.random() >= 0.5:
        return
    day = rng.randint(min(100, days // 2), days - 2)
    window = acct.health[max(0, day - 90) : max(1, day - 30)]
    h = sum(window) / len(window)
    r = rng.random()
    if h < 0.45:
        kind = "churned" if r < 0.6 else "contracted" if r < 0.85 else "renewed"
    elif h < 0.65:
        kind = "churned" if r < 0.15 else "contracted" if r < 0.4 else "renewed"
    else:
        kind = "churned" if r < 0.03 else "expanded" if h >= 0.72 and r < 0.38 else "renewed"
    if kind == "churned" and day >= 95:
        _churn(acct, day, first_day)
        return
    if kind == "expanded":
        change = round(acct.arr * rng.uniform(0.1, 0.4), -2)
    elif kind == "contracted":
        change = -round(acct.arr * rng.uniform(0.15, 0.4), -2)
    else:
        kind, change = "renewed", 0.0
    acct.outcomes.append((kind, day, change))
    acct.renewal_date = first_day + dt.timedelta(days=day + 365)


def _churn(acct: SimAccount, day: int, first_day: dt.date) -> None:
    """The customer leaves at its renewal on ``day``: no data after it."""
    acct.churn_day = day
    acct.outcomes.append(("churned", day, -acct.arr))
    acct.renewal_date = first_day + dt.timedelta(days=day)


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method; fine for the small rates used here."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def signal_values(rng: random.Random, acct: SimAccount, day: int) -> dict[str, float | None]:
    """The observations of one account on one day; None means nothing observed that day."""
    h = acct.health[day]
    values: dict[str, float | None] = {}
    values["active_user_rate"] = round(_clamp(8 + 70 * h + rng.gauss(0, 4), 0, 100), 1)
    silent = acct.archetype == "collapse" and acct.champion_change_day is not None and day > acct.champion_change_day + 3
    # A collapsed account stops logging in: no login observation at all (silence), which the
    # "no login in 14 days" rule reads.
    values["weekly_logins"] = None if silent else round(max(0.0, 3.6 * h + rng.gauss(0, 0.3)), 1)
    values["core_feature_adoption"] = round(_clamp(8 + 48 * h + rng.gauss(0, 2), 0, 100), 1) if day % 7 == 0 else None
    # Tickets persist: each day some open ones are solved (healthier accounts get
    # answers faster) and new ones arrive (unhealthier accounts file more).
    resolve_p = 0.3 + 0.35 * h
    ages = [age + 1 for age in acct.open_ticket_ages if rng.random() > resolve_p]
    ages += [0] * _poisson(rng, 0.08 + 2.4 * (1 - h) ** 1.5)
    acct.open_ticket_ages = ages
    values["open_tickets"] = float(len(ages))
    values["ticket_age_days"] = float(max(ages, default=0))
    values["nps"] = (
        round(max(-100, min(100, -60 + 120 * h + rng.gauss(0, 12))))
        if acct.sends_nps and day % 30 == acct.index % 30
        else None
    )
    values["payment_health"] = (
        (100.0 if h > 0.45 or rng.random() < 0.5 else round(rng.choice([40.0, 60.0, 75.0]))) if day % 14 == 0 else None
    )
    return values
