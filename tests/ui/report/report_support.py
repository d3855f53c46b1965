"""The person and the course of sessions the report tests use (conftest.py builds them)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

PERSON = "P-0042"
FIRST = datetime(2025, 3, 4, 9, 30, tzinfo=timezone(timedelta(hours=1)))
# (real session, days after the first, RPE, pain, note): weeks of a rehab course
COURSE = [("stopped", 0, 4, 3, "Knee sore after the fall-stop; harness checked"),
          ("hr_walk", 3, 3, 2, ""),
          ("hr_walk", 7, None, None, "RPE & pain not asked <b>sic</b>"),
          ("backward_run", 10, 6, 1, "First backward running"),
          ("stopped", 14, 2, 0, "")]
