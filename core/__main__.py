"""``python -m core``: the workbench CLI (see :mod:`core.cli`)."""

from core.cli import main

if __name__ == "__main__":
    main()
