"""Helpdesk integrations: one adapter module per vendor (authenticate, parse, order), the signing
secrets each integration holds, the webhook endpoint and the sidebar apps' server side."""
