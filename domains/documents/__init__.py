"""Domain pack for specs/documents: simulated tools with fault injection."""
