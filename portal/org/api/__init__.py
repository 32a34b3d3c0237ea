"""The REST API of the org app: serializers and viewsets, routed by portal.api_urls."""
