"""Trainyard metrics package."""
