"""The demo generators, one module per registry area. Each works on a shared :class:`World`."""
