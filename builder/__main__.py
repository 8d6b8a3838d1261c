"""``python -m builder``: see :mod:`builder.cli`."""

from builder.cli import main

raise SystemExit(main())
