"""Browser-test hook: every Python process of the console under test reads one frozen clock.

The console fixture puts this folder on PYTHONPATH and sets BILLING_CONSOLE_TEST_NOW, so Python
imports this module at start-up in the CLI, the web role's Reflex backend, the worker (and the
job processes it forks) and the scheduler. All of them then see the same "now": the demo is seeded
at that moment and the scheduler's coordinators find nothing due after it, so the pages show the
same figures on any real date. Nothing outside tests/browser uses it.
"""

from __future__ import annotations

import os
from datetime import datetime

_NOW = os.environ.get("BILLING_CONSOLE_TEST_NOW", "")

if _NOW:
    from backend import clock

    clock.install(clock.FrozenClock(datetime.fromisoformat(_NOW)))
