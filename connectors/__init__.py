"""Trainyard connectors package."""
