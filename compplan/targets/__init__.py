"""Targets: quotas and KPI targets as data, from history to approval.

    model      a target (who, what, when, value, unit, version, status) and how it was
               worked out, shown like a pay line
    kpis       the KPI catalogue: code, name, unit, the plan measure that measures it,
               who it applies to
    calendar   working days and holidays per territory
    split      parts that add up exactly to the whole (largest remainder)
    propose    top-down with floor and cap, growth, seasonality, ramp, proration
    build      a whole proposed set for a period from history, per day or per period
    reconcile  bottom-up against top-down at every level of the hierarchy
    versions   which version is in force on each day; day-weighted values
    sheets     CSV/xlsx import and export, and the per-payee file a plan reads
    store      targets in the store: versions, status, approval, the audit log
    review     the health of a set before approval, with charts
    rounds     a target round with the people who must meet the targets: reps answer,
               managers accept or counter, the admin approves into the set (issue 19)
    round_tables  the round's tables: rounds, lines, every step, assumptions, history

Arrows point down: targets uses the engine, the store and the language, never the
other way round. Plans read targets as they read quotas: from the file that
`compplan targets export --approved` writes (see docs/language.md).
"""
