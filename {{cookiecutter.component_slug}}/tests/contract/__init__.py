"""The contract tests. Every use of the Pact library is in this package, so the setting below, made when
the package is first imported, holds for all of them.

The Pact library sends each consumer test and provider verification to Google Analytics (its OS and
version, and which CI it runs in) unless ``PACT_DO_NOT_TRACK`` is set: a test run reports nothing
(ADR 0023). A squad that wants its runs reported changes this line and the test that checks it
(``test_a_pact_run_reports_nothing_to_the_pact_foundation``).
"""

import os

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")
