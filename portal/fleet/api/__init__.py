"""The REST API of the fleet app: serializers and viewsets, routed by portal.api_urls."""
