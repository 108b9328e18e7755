"""The service layer: what the routers call; it talks to the planner library and the store."""
