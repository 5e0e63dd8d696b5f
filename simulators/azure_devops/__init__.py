"""Azure DevOps simulator: a Scenario served in Azure DevOps' REST shapes (api-version 7.1).

Usage::

    app = create_ado_simulator(scenario, org="phoenix", project="Phoenix", pat="secret")
    with serve(app) as url:            # simulators.server.serve
        world = ado_world(app)         # ids, mutations, request counters
        org_url = f"{url}/phoenix"     # what a source's ``url`` points at
"""

from simulators.azure_devops.app import Throttle, ado_world, create_ado_simulator
from simulators.azure_devops.naming import AdoState, state_map
from simulators.azure_devops.world import AdoWorld

__all__ = ["AdoState", "AdoWorld", "Throttle", "ado_world", "create_ado_simulator", "state_map"]
