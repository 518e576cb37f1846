"""What a person sees or scans: the QR code."""
