"""Where a cap starts to bind (issue 15), for the bars' thresholds (stakes.cap_points).

A cap is on money, not on the measure a bar shows, so the point is found by the engine:
the payee's next transaction (whatif.py) is sized until the cent at which a cap line
appears, and the measure there is where the cap binds ("the cap of Commission
(231.25%)": ann's commission cap at 137,500.00 more in bookings). First by the rate the
earning grows at past the cap (what the cap cut, over that rate), checked a unit either
side; else by halving (a few dozen what-ifs, once per result).
"""
from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from . import whatif
from .live import LivePlan, Portal

CAP_RANK = 3  # a cap is said after a gate, a tier and a curve point at one value
CAP_REACHED = 4  # a cap the payee has reached already: at the measure's value now


def cap_lines(result, component: str) -> Decimal:
    """What the caps took off a component (negative; 0: not capped)."""
    return sum((ln.amount for ln in result.lines if ln.component == component
                and ln.kind == "cap"), Decimal(0)) if result is not None else Decimal(0)


def cap_start(lp: LivePlan, portal: Portal, pid: str, input_name: str, money: str,
              component: str, name: str) -> Decimal | None:
    """The measure's value at the first cent of a transaction that the cap cuts."""
    for template in whatif.templates(lp, pid, input_name):
        def after(amount: Decimal):
            return whatif.after(lp, input_name, pid, whatif.records(
                lp, portal, input_name, template, 1, money, amount))
        hi, got = whatif.PROBE, None
        for _ in range(24):  # up to a thousand times 2**23: past any quota
            got = after(hi)
            if got is None or cap_lines(got, component) < 0:
                break
            hi *= 2
        if got is None or cap_lines(got, component) >= 0:
            continue  # this kind of row does not move the capped earning: the next
        lo = Decimal(0)
        cent = Decimal("0.01")
        # past the cap the earning grows at one rate (the top tier's, say): what the cap
        # cut, over that rate, is how far past the cap's cent hi is; checked, else halved
        back = rate_past_cap(after, got, hi, component)
        if back is not None:
            # checked a whole unit past it: line amounts are rounded to the cent, so a
            # cent past the edge may round the cut away
            edge = (hi - back).quantize(cent, rounding=ROUND_CEILING)
            at, past = after(edge), after(edge + 1)
            if at is not None and past is not None and cap_lines(at, component) == 0 \
                    and cap_lines(past, component) < 0:
                value = at.measure_values.get(name)
                return Decimal(value) if value is not None else None
        while hi - lo > cent:
            mid = ((lo + hi) / 2).quantize(cent)
            if mid in (lo, hi):
                break
            probe = after(mid)
            if probe is not None and cap_lines(probe, component) < 0:
                hi, got = mid, probe
            else:
                lo = mid
        # the cap binds just past lo: the measure there, where the component meets it
        at = after(lo)
        value = at.measure_values.get(name) if at is not None else None
        return Decimal(value) if value is not None else None
    return None


def rate_past_cap(after, got, hi: Decimal, component: str) -> Decimal | None:
    """How much of `hi` lies past the cap: the cut over the earning's rate there (the
    rate from the earning before its cap at hi and a little below)."""
    step = min(whatif.PROBE, hi / 4)
    below = after(hi - step)
    if below is None:
        return None

    def uncapped(r):
        return r.components.get(component, Decimal(0)) - cap_lines(r, component)
    rate = (uncapped(got) - uncapped(below)) / step
    cut = -cap_lines(got, component)
    return cut / rate if rate > 0 else None
