"""The REST API (``/api/v1``): thin FastAPI routers over the service layer, which checks policy and audits."""
