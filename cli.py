"""Run compplan from a checkout: `python cli.py check plans/*.yaml`.

The installed console command `compplan` is the same function.
"""
from compplan.cli import main

if __name__ == "__main__":
    main()
