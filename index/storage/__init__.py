"""Storage: the Elasticsearch indices, their mappings and migrations, the one repository that talks to
Elasticsearch, bulk ingest and its spool, and the query bodies. Imports the core and the classifier's text
normalisation only."""
