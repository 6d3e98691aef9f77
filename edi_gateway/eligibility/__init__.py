"""Members and coverage from 834 rosters."""
