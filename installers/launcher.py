"""The bundle's entry point: what `shiftbell` runs once installed from a package.

`shiftbell --run-module MODULE ARGS` runs one of Shiftbell's own modules as `python -m`
would (a bundle has no interpreter to give `-m` to): the alarm's sound player starts so
(system/own_command.py).
"""

import runpy
import sys

from shiftbell.cli import main
from shiftbell.system.own_command import RUN_MODULE

if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == RUN_MODULE and sys.argv[2].startswith("shiftbell."):
        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        sys.exit(main())
