#!/usr/bin/env python
"""Django's command-line utility for Tianfu Atlas."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.core.management import execute_from_command_line

    from portal.env import ConfigError

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as exc:
        # A configuration mistake is the operator's to fix: one line, no traceback.
        sys.exit(f"configuration error: {exc}")


if __name__ == "__main__":
    main()
