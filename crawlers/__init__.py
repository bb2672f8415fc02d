"""Collects public posts (Scrapy): spiders route, pages/ extract, pipelines score and index."""
