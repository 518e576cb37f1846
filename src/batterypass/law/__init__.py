"""What the Regulation asks: rules, content checks and identifiers. Cites articles; knows no envelope or file."""
