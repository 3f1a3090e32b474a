"""What the suites and the Robot library assert, pytest-free: each assertion is a function
returning a ``Verdict``; the front ends only present it. ``text`` renders check failures."""
