"""The system of record: Elasticsearch mappings, setup, the repository and the status lifecycle."""
