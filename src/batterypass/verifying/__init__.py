"""Trust stores, the verdict on one credential, and what a file is."""
