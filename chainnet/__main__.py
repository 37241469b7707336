"""``python -m chainnet``: the same command line as the ``chainnet`` script."""

from chainnet.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
