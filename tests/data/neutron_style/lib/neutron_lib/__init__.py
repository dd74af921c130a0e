"""A trimmed neutron_lib for scanner tests."""
