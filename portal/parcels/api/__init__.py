"""The REST API of the parcels app: serializers and viewsets, routed by portal.api_urls."""
