"""Build data to passport to signed, written credentials: assembly, issuance, batches."""
