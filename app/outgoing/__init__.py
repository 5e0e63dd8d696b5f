"""Outgoing webhooks: subscriptions, the outbox dispatcher and the signed delivery worker."""
