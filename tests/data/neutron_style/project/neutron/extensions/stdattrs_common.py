"""Helpers shared by the standard-attribute extensions."""


def stdattrs_extended_resources(attributes):
    return {'ports': attributes}
