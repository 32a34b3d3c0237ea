"""The REST API of the depots app: serializers and viewsets, routed by portal.api_urls."""
