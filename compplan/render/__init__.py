"""Pay shown to people: statements, `explain`, payout curves, locales.

    statement  one payee's statement model, from a run in memory or a stored one
    stored     a stored run read back (its plan compiled from the kept text)
    rows       a payee's own data rows (statements show nobody else's)
    locale     money, numbers, dates and labels in the payee's language (Babel)
    html       self-contained pages (Jinja2 templates in templates/)
    pdf        the same pages as PDF (WeasyPrint)
    tables     the same lines as CSV and the statement as JSON
    explain    the tree of a payee's pay for the terminal (rich)
    curve      payout against attainment, worked out by the engine on made-up data
    chart      a curve drawn as PNG and SVG (matplotlib, Agg)
    publish    a run's statements: a folder per payee and an index for admins
    parallel   two processes for many statements

This layer reads the engine and the store and is read by the CLI; nothing below imports
it.
"""
