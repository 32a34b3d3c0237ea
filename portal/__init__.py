"""Tianfu Atlas: the Django project package (settings, URLs, WSGI) and its domain apps."""
