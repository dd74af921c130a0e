"""widget_plugins: third-party API extensions for widget_service."""
