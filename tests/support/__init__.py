"""Helpers shared by the tests (builders, fakes of pure inputs, real-peer fixtures)."""
