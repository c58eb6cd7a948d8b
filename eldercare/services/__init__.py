"""Elder care's services: one module per area (every write, one transaction, audited)."""
