"""Launcher so that ``python cli.py ...`` works from a checkout."""

from planner.cli import main

if __name__ == "__main__":
    main()
