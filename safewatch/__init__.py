"""SafeWatch shared package: configuration, records, taxonomy and the `safewatch` command.

Imports none of crawlers, classifier, index or review_ui (the command line imports them lazily).
"""

__version__ = "0.1.0"
