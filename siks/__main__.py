import sys

from siks.cli import main

sys.exit(main())
