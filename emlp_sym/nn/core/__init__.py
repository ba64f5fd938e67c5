"""The framework-free layer core."""
