"""What finance does with commissions besides paying them (issue 18), one module a job:

    mapping     the finance file: account codes, the cost-centre column, and the
                capitalization policy (which components, what term); FILE:LINE:COL errors
    journal     journal lines (debit, credit, account, cost centre) and their files
    accrue      a month-end accrual: pay earned to a date, less what was booked before
    ledger      accruals kept in the store, reproduced and verified; the true-up
    capitalize  contract costs capitalized from paid runs and amortized (IFRS 15 /
                ASC 340-40): schedule, journal and a roll-forward that ties to the runs
    forecast    attainment and pay at the period's end, at pace and with the pipeline

Every amount is a Decimal; nothing here changes what a run pays.
"""
