"""Trainyard app package."""
