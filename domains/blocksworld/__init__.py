"""Domain pack for specs/blocksworld: simulated tools with fault injection."""
