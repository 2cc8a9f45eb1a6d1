"""The ``sloi`` command."""
