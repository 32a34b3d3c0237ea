"""Pages of the depots app: each module ends with its urlpatterns, joined in ``urls.py``."""
