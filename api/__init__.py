"""The HTTP API over the planner library: thin routers, a service layer, SQLAlchemy persistence.

`api.app.create_app(settings)` builds the application; `planner serve` runs it under uvicorn.
"""
