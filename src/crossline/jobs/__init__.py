"""Long work (imports, builds) asked for over the API, run outside the request by a worker."""
