"""The embedded Elasticsearch node: a tool of its own (Maven resolves the server, the launcher starts and
stops it); imports the core only."""
