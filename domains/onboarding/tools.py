"""Simulated onboarding tools: background check, accounts, access, training, equipment.

No drift: nothing in this world changes by itself. The background check, training,
shipping and the welcome message are idempotent (asking twice does no harm).
"""

from __future__ import annotations

from domains.simulator import Simulator

__all__ = ["run_background_check", "create_account", "grant_access", "revoke_access",
           "complete_training", "ship_equipment", "send_welcome", "setup", "observe",
           "SIMULATOR"]

SIMULATOR = Simulator("onboarding", idempotent=("run-background-check", "complete-training",
                                                "ship-equipment", "send-welcome"),
                      timeout_s=0.5)
(run_background_check, create_account, grant_access, revoke_access, complete_training,
 ship_equipment, send_welcome) = SIMULATOR.tools(
    "run-background-check", "create-account", "grant-access", "revoke-access", "complete-training",
    "ship-equipment", "send-welcome")
setup, observe = SIMULATOR.setup, SIMULATOR.observe
