"""The REST API of the assets app: serializers and viewsets, routed by portal.api_urls."""
