"""Scheduled digest e-mails: composed from the reports, HTML + text, charts inline."""
