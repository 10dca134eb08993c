"""Shared data: scenarios, configurations, buckets, cores. Imports nothing else of the lab."""
