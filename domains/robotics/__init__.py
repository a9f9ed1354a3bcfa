"""Domain pack for specs/robotics: simulated tools with fault injection."""
