"""Domain pack for specs/devops: simulated tools with fault injection."""
