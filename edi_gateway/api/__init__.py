"""HTTP plumbing shared by the feature routers: sessions, auth, problem responses."""
