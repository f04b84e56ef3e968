"""Repository-level pytest configuration: make ``tests.*`` helpers importable."""
