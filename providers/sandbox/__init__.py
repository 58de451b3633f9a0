"""Local emulators of every platform, seeded with failing services (demo, tests, benchmarks)."""
