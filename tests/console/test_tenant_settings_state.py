"""`/admin/settings`'s state as the page runs it, against tenant A of the identity world: a refused
save keeps what was typed and names each field; a good one is stored; a logo upload is checked by
the same rule as the API's; a customer calling the handlers is sent away."""

from __future__ import annotations

import io
from typing import Any

import pytest
import reflex as rx

import billing_console.billing_console  # noqa: F401 - registers every page state
from backend.db import unit_of_work
from backend.models import Tenant
from backend.tenancy.settings_rules import MAX_LOGO_BYTES
from billing_console.state.tenant_settings import TenantSettingsState as S
from tests.conftest import IdentityWorld
from tests.console.test_identity_states import redirects, run, state_for

pytestmark = pytest.mark.redis

PNG = b"\x89PNG\r\n\x1a\n" + bytes(40)


def admin_page(world: IdentityWorld) -> Any:
    state = state_for(S, world.host_a, world.session_cookie(world.a_admin, world.host_a))
    run(S.load.fn, state)
    return state


def stored_tenant(world: IdentityWorld) -> Tenant:
    with unit_of_work(world.engine) as session:
        tenant = session.get(Tenant, world.a_admin.tenant_id)
        assert tenant is not None
        session.expunge(tenant)
        return tenant


def upload(data: bytes) -> list[rx.UploadFile]:
    return [rx.UploadFile(file=io.BytesIO(data))]


def test_a_refused_save_names_each_field_keeps_the_typing_and_stores_nothing(
    identity_world: IdentityWorld,
) -> None:
    page = admin_page(identity_world)
    assert page.loading is False and page.values["payment_terms_days"] == "14"
    form = {**page.values, "payment_terms_days": "30", "iban": "DE00 1234", "brand_color": "blue"}
    run(S.save.fn, page, form)
    assert set(page.errors) == {"iban", "brand_color"}
    assert page.values["payment_terms_days"] == "30" and page.saving is False
    assert stored_tenant(identity_world).payment_terms_days == 14

    run(S.save.fn, page, {**form, "iban": "", "brand_color": "#00AA00", "reminder_offsets_days": "3, 10"})
    assert page.errors == {}
    assert (page.values["brand_color"], page.values["reminder_offsets_days"]) == ("#00aa00", "3, 10")
    tenant = stored_tenant(identity_world)
    assert tenant.payment_terms_days == 30 and tenant.settings["dunning"]["reminder_offsets_days"] == [3, 10]


def test_a_typed_word_in_a_number_field_gets_the_rules_message(identity_world: IdentityWorld) -> None:
    page = admin_page(identity_world)
    run(
        S.save.fn, page, {**page.values, "payment_terms_days": "two weeks", "retry_schedule_hours": "0, soon"}
    )
    assert page.errors == {
        "payment_terms_days": "Payment terms are 0 to 365 whole days; got 'two weeks'.",
        "retry_schedule_hours": "Attempts are whole numbers of hours, such as 0, 24, 72, 168.",
    }


def test_an_uploaded_logo_is_checked_stored_and_removed(identity_world: IdentityWorld) -> None:
    page = admin_page(identity_world)
    run(S.upload_logo.fn, page, upload(b"GIF89a" + bytes(10)))
    assert page.errors == {"logo": "The logo must be a PNG or JPEG image."} and page.logo == ""
    run(S.upload_logo.fn, page, upload(PNG + bytes(MAX_LOGO_BYTES)))
    assert page.errors["logo"].startswith("The logo may have at most 64 KB")
    run(S.upload_logo.fn, page, upload(PNG))
    assert page.errors == {} and page.logo.startswith("data:image/png;base64,")
    assert stored_tenant(identity_world).settings["logo_url"] == page.logo
    run(S.remove_logo.fn, page)
    assert page.logo == "" and stored_tenant(identity_world).settings["logo_url"] == ""


@pytest.mark.parametrize(
    ("handler", "args"),
    [
        (S.load.fn, ()),
        (S.save.fn, ({"payment_terms_days": "1"},)),
        (S.upload_logo.fn, (upload(PNG),)),
        (S.remove_logo.fn, ()),
        (S.choose_suspension.fn, (False,)),
    ],
)
def test_a_customer_calling_the_settings_handlers_is_sent_away(
    identity_world: IdentityWorld, handler: Any, args: tuple[Any, ...]
) -> None:
    world = identity_world
    state = state_for(S, world.host_a, world.session_cookie(world.a_customer, world.host_a))
    assert redirects(run(handler, state, *args)) == ["/dashboard"]
    assert state.values == {} and stored_tenant(world).payment_terms_days == 14
