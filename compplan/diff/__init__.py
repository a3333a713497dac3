"""Differences an auditor asks about: between plans, their pay, and stored runs.

    normal   expressions compared by meaning (an AST normal form without positions)
    tables   rate tables: tiers aligned by band, lookup rows by key
    plans    the semantic plan diff (renames found first), as Change records
    sources  where a plan comes from: a file or git's REV:path
    impact   both plans run on the same data: per payee before, after, difference
    stored   a stored run read back, and recomputed from its stored plan and data
    runs     two stored runs line by line, each difference put down to plan or data
    verify   a stored run recomputed and compared, line for line
    render   text, Markdown and CSV (JSON is each result's to_dict)

It reads lang, engine and store; nothing below it imports it.
"""
