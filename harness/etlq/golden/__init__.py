"""Golden transformation cases, pytest-free: ``cases`` reads the case folders and diffs rows,
``run`` loads a case into an empty database, runs its transform and diffs the result."""
