"""Which provider account runs a service type's servers, and with which token.

A tenant sets a token per service type (encrypted with backend.crypto, write-only in the admin UI);
without one the deployment's token (HETZNER_API_TOKEN, DIGITALOCEAN_API_TOKEN) is used. The
simulated provider needs none: each tenant gets an account of its own ("tenant-7").
"""

from __future__ import annotations

from backend.crypto import decrypt_secret, encrypt_secret
from backend.integrations.cloud_provider import CloudProvider, ProviderError
from backend.integrations.cloud_providers import open_provider
from backend.models import ProviderKind, ServiceType
from backend.settings import get_settings


def token_context(service_type: ServiceType) -> str:
    """What the encrypted token is bound to: it cannot be copied to another service type or tenant."""
    return f"service_type:{service_type.tenant_id}:{service_type.id}:provider_token"


def seal_token(service_type: ServiceType, token: str) -> str:
    return encrypt_secret(token, context=token_context(service_type)) if token else ""


def provider_token(service_type: ServiceType) -> str:
    """The token the service type's servers are run with; "" when there is none."""
    if service_type.provider_secrets_encrypted:
        return decrypt_secret(service_type.provider_secrets_encrypted, context=token_context(service_type))
    settings = get_settings()
    if service_type.provider is ProviderKind.HETZNER and settings.hetzner_api_token:
        return settings.hetzner_api_token.get_secret_value()
    if service_type.provider is ProviderKind.DIGITALOCEAN and settings.digitalocean_api_token:
        return settings.digitalocean_api_token.get_secret_value()
    if service_type.provider is ProviderKind.SIMULATED:
        return f"tenant-{service_type.tenant_id}"
    return ""


def token_source(service_type: ServiceType) -> str:
    """ "tenant", "deployment" or "" (none): what the admin page says, never the token itself."""
    if service_type.provider_secrets_encrypted:
        return "tenant"
    return "deployment" if provider_token(service_type) else ""


def provider_of(service_type: ServiceType) -> CloudProvider:
    """The provider for the service type; ProviderError when it has none or no token."""
    if service_type.provider is ProviderKind.NONE:
        raise ProviderError(f"Service type {service_type.key} is billing only: it creates no servers.")
    token = provider_token(service_type)
    if not token:
        kind = service_type.provider.value
        raise ProviderError(f"No {kind} token is set for service type {service_type.key}.")
    return open_provider(service_type.provider, token)
