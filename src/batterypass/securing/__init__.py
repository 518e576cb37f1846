"""Keys, the VC 2.0 credential, Data Integrity and JOSE envelopes, signing, status lists."""
