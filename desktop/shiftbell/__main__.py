"""`python -m shiftbell` is the same as the `shiftbell` command."""

import sys

from shiftbell.cli import main

sys.exit(main())
