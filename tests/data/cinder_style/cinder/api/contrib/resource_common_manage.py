"""Helpers for the manage extensions."""


def get_manageable_resources(req, is_detail, function_get_manageable, view_builder):
    return []
