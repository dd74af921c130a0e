"""widget_service: a service with legacy-loaded API extensions."""
