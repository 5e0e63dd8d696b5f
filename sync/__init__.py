"""Trainyard sync package."""
