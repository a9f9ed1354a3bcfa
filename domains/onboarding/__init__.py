"""Domain pack for specs/onboarding: simulated HR/IT tools."""
