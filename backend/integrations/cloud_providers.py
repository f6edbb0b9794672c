"""Open the provider of a service type: `open_provider(kind, token)` (SPEC §6).

The endpoints come from the settings (HETZNER_API_ENDPOINT, DIGITALOCEAN_API_BASE) unless the
caller names one (tests point them at the fake servers in tests/fakes/). The simulated provider
keeps its servers in the database; its "token" names the account whose servers it sees.
"""

from __future__ import annotations

from backend.integrations.cloud_provider import CloudProvider, ProviderError
from backend.models import ProviderKind
from backend.settings import get_settings


def open_provider(kind: ProviderKind | str, token: str, *, endpoint: str = "") -> CloudProvider:
    """The provider for `kind` with `token`; ProviderError for `none` or an unknown kind."""
    kind = ProviderKind(kind)
    settings = get_settings()
    if kind is ProviderKind.HETZNER:
        from backend.integrations.hetzner_cloud import HetznerCloud

        return HetznerCloud(token, endpoint=endpoint or settings.hetzner_api_endpoint)
    if kind is ProviderKind.DIGITALOCEAN:
        from backend.integrations.digitalocean import DigitalOcean

        return DigitalOcean(token, base_url=endpoint or settings.digitalocean_api_base)
    if kind is ProviderKind.SIMULATED:
        from backend.integrations.simulated_cloud import SimulatedCloud

        return SimulatedCloud(account=token or "simulated")
    raise ProviderError(f"Service types with provider {kind.value!r} create no servers.")
