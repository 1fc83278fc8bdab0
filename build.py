#!/usr/bin/env python3
"""Entry point: `python build.py build|check|serve|new ...` (see README.md)."""

import sys

from healthsite.cli import main

if __name__ == "__main__":
    sys.exit(main())
