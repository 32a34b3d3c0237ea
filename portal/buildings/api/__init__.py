"""The REST API of the buildings app: serializers and viewsets, routed by portal.api_urls."""
