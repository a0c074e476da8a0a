"""Demo data: a realistic mix of agent code sent through the real pipeline into a fresh store."""
