"""Trainyard art package."""
