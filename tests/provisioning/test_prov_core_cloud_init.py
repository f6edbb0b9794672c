"""Cloud-init templates: `{{placeholder}}` names are checked when a service type is saved, and filled
in when its server is created."""

from __future__ import annotations

import pytest

from backend.catalog import service_types
from backend.catalog.cloud_init import render, unknown_placeholders
from backend.catalog.schemas import ServiceTypeInput, ServiceTypeUpdate
from backend.kit.errors import FieldErrors
from backend.models import ProviderKind
from tests.billing.world import World


def test_a_template_naming_an_unknown_placeholder_is_refused_by_field(world: World) -> None:
    data = ServiceTypeInput(
        key="cloud",
        name="Cloud",
        provider=ProviderKind.HETZNER,
        cloud_init_template="#cloud-config\nhostname: {{hostname}}\nowner: {{ customer_email }}\n",
    )
    with pytest.raises(FieldErrors) as refused:
        service_types.create_service_type(world.session, world.scope, data, world.admin)
    assert set(refused.value.fields) == {"cloud_init_template"}
    assert "{{customer_email}}" in refused.value.fields["cloud_init_template"]


def test_known_placeholders_are_saved_and_an_update_is_checked_too(world: World) -> None:
    template = "#cloud-config\nhostname: {{ hostname }}\n# {{subscription_number}} {{plan_key}}"
    data = ServiceTypeInput(
        key="cloud", name="Cloud", provider=ProviderKind.HETZNER, cloud_init_template=template
    )
    created = service_types.create_service_type(world.session, world.scope, data, world.admin)
    assert created.cloud_init_template == template
    with pytest.raises(FieldErrors):
        service_types.update_service_type(
            world.session,
            world.scope,
            created.id,  # type: ignore[arg-type]
            ServiceTypeUpdate(cloud_init_template="{{hostnme}}"),
            world.admin,
        )


def test_render_fills_in_each_placeholder_and_leaves_other_text_alone() -> None:
    text = "h={{hostname}} k={{ ssh_public_key }} s={{subscription_number}} ${HOME} {single}"
    values = {
        "hostname": "web1.example.net",
        "ssh_public_key": "ssh-ed25519 AAAA web1",
        "subscription_number": "SUB-000007",
    }
    assert render(text, values) == "h=web1.example.net k=ssh-ed25519 AAAA web1 s=SUB-000007 ${HOME} {single}"
    assert unknown_placeholders("{{a}} {{hostname}} {{a}} {{b}}") == ["a", "b"]
