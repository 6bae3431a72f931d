from cheatcode_api.adapters.auth.jwks import JwksTokenVerifier, JwksVerifierSettings

__all__ = ["JwksTokenVerifier", "JwksVerifierSettings"]
