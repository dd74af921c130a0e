"""Helpers for the manage extensions (no extension class: never loaded)."""


def get_manageable_resources(resources, marker=None, limit=None):
    """The resources after ``marker``, at most ``limit`` of them."""
    start = resources.index(marker) + 1 if marker in resources else 0
    end = None if limit is None else start + limit
    return resources[start:end]
