"""compplan: sales compensation plans as checked, compiled, traceable rules.

The stages, each a subpackage, data flowing one way:
    lang    plan files -> checked plan (model, AST, symbols, types)
    engine  checked plan -> compiled steps -> results with line items
    cli     the `compplan` command, a thin layer over the above
"""
__version__ = "0.1.0"
