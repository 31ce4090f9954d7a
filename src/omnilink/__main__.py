"""``python -m omnilink``: the ``omnilink`` command, where the environment's scripts are not on
the path (a job's interpreter called by its full path, a notebook)."""

from omnilink.cli import main

main()
