"""`python -m safewatch …`: the command line (safewatch.commands.cli), as the `safewatch` script runs it."""

import sys

from safewatch.commands.cli import main

sys.exit(main())
