"""Bulk imports of accounts, contacts, outcomes and observations (CSV files and API lists).

``columns``: the fields of each kind, the header names that mean them (built in, per CRM preset, or
``--map COLUMN=FIELD``). ``rows``: one input row → clean values, or errors naming the field. ``store``: one
batch written set-based, in one transaction. ``run``: the streaming CSV driver (a validating first pass over
the whole file, then batch by batch; constant memory).
"""
