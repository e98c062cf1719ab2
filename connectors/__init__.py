"""Vendor connectors: what Zendesk, Salesforce, HubSpot and Intercom export, mapped onto our event envelopes."""

VENDORS = ("zendesk", "salesforce", "hubspot", "intercom")
