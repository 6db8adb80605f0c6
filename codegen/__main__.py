"""`python3 -m codegen` runs the beacon-gen command line (see cli.py)."""
import sys

from .cli import main

sys.exit(main())
