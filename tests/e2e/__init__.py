"""End-to-end: tracker simulators -> connectors -> sync -> store -> loader -> reports."""
