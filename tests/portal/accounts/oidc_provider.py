"""A small OpenID Connect provider on loopback for the single sign-on tests.

It implements what the portal uses, without discovery: the authorization endpoint (which signs
in whoever the test names, as the provincial identity's login page would), the token endpoint
(client secret, code, redirect URI and PKCE checked; an RS256 ID token signed with a key made by
``cryptography``) and the JWKS endpoint with the public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "tianfu-atlas"
CLIENT_SECRET = "provider-test-secret"
KEY_ID = "test-key-1"


class Provider:
    """Run with ``with Provider() as provider``; ``provider.username`` is who signs in next."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        # What ID tokens are signed with; a test swaps it for a key the JWKS does not publish.
        self.signing_key = self.key
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.provider = self  # type: ignore[attr-defined]
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.username = ""
        self.extra_claims: dict[str, Any] = {}
        # What the userinfo endpoint answers (served at /userinfo when a test configures it).
        self.userinfo: dict[str, Any] = {}
        self.codes: dict[str, dict[str, str]] = {}
        self.token_requests = 0
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def settings(self) -> dict[str, str]:
        """The portal's settings for this provider (what TIANFU_OIDC_* would set)."""
        return {
            "TIANFU_OIDC_ISSUER": self.issuer,
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.issuer}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.issuer}/token",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.issuer}/jwks",
        }

    def authorize(self, url: str) -> str:
        """Open the authorization URL as the browser would; the redirect back to the portal."""
        parts = urlsplit(url)
        connection = HTTPConnection(parts.hostname, parts.port, timeout=10)
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        response.read()
        connection.close()
        assert response.status == 302, response.status
        return response.getheader("Location")

    def jwk(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {**public, "kid": KEY_ID, "alg": "RS256", "use": "sig"}

    def id_token(self, grant: dict[str, str]) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": f"sub-{grant['username']}",
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "preferred_username": grant["username"],
            **self.extra_claims,
        }
        return jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": KEY_ID})

    def exchange(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The token endpoint: a code for tokens, once, for the client that asked for it."""
        self.token_requests += 1
        grant = self.codes.pop(form.get("code", ""), None)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge.decode() != grant["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        tokens = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer"}
        return 200, {**tokens, "expires_in": 300, "id_token": self.id_token(grant)}


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    @property
    def provider(self) -> Provider:
        return self.server.provider  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        if parts.path == "/jwks":
            self._json(200, {"keys": [self.provider.jwk()]})
        elif parts.path == "/userinfo":
            self._json(200, self.provider.userinfo)
        elif parts.path == "/authorize" and query.get("client_id") == CLIENT_ID:
            code = secrets.token_urlsafe(16)
            self.provider.codes[code] = {
                "username": self.provider.username,
                "nonce": query["nonce"],
                "redirect_uri": query["redirect_uri"],
                "code_challenge": query.get("code_challenge", ""),
            }
            back = urlencode({"code": code, "state": query["state"]})
            self.send_response(302)
            self.send_header("Location", f"{query['redirect_uri']}?{back}")
            self.end_headers()
        else:
            self._json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = parse_qs(self.rfile.read(length).decode())
        form = {name: values[0] for name, values in body.items()}
        if urlsplit(self.path).path == "/token":
            self._json(*self.provider.exchange(form))
        else:
            self._json(404, {"error": "not_found"})

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests assert on answers, not on the access log."""
