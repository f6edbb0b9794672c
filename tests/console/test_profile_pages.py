"""What /profile, /plans and a subscription's page offer each member of the demo's business customer
(Nordwind): its owner (business@demo.example) edits and manages, its viewer (viewer@demo.example)
reads only, and the server refuses the viewer's cancel when it is sent anyway.

The gateway runs against the demo database (DATABASE_URL points at it); the calls here only read,
or are refused before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.customers import members
from backend.demo.service import BUSINESS_LOGIN, PENDING_INVITATION, VIEWER_LOGIN
from backend.gateway import ordering as order_gateway
from backend.gateway import profile as profile_gateway
from backend.gateway import subscriptions as subscription_gateway
from backend.identity import auth
from backend.kit.errors import PermissionDenied
from backend.kit.principals import RequestContext, SignedInUser
from backend.kit.repository import TenantScope
from backend.tenancy.service import scope_for_slug
from billing_console.routes import return_path

REQUEST = RequestContext(host="localhost", ip_address="192.0.2.44")
SUPPORT = "SUB-000003"  # Nordwind's support retainer, canceled on 2 Nov: pending cancel


@pytest.fixture(autouse=True)
def _at_demo_time(demo_clock: object) -> None:
    """The demo's "now" (its pending invitation is live for 7 days from it)."""


@pytest.fixture
def demo_gateway(demo_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The gateway's units of work open on the demo database."""
    from backend.db import dispose_engines
    from backend.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    dispose_engines()
    yield
    get_settings.cache_clear()
    dispose_engines()


def _user(demo_session: Session, login: tuple[str, str]) -> SignedInUser:
    scope = scope_for_slug(demo_session, "demo")
    return auth.authenticate(demo_session, scope, *login)


def test_the_demo_viewer_is_a_viewer_member_of_nordwind(demo_session: Session) -> None:
    owner, viewer = _user(demo_session, BUSINESS_LOGIN), _user(demo_session, VIEWER_LOGIN)
    assert (owner.member_role, viewer.member_role) == ("owner", "viewer")
    assert viewer.customer_account_id == owner.customer_account_id is not None
    scope = TenantScope(owner.tenant_id)
    found = members.list_members(
        demo_session, scope, members.Actor.for_user(owner), owner.customer_account_id or 0
    )
    assert [(m.email, m.role.value) for m in found.members] == [
        (BUSINESS_LOGIN[0], "owner"),
        (VIEWER_LOGIN[0], "viewer"),
    ]
    assert [(i.email, i.role.value) for i in found.invitations] == [PENDING_INVITATION]


def test_the_owner_may_edit_and_manage_and_the_viewer_only_reads(
    demo_session: Session, demo_gateway: None
) -> None:
    owner, viewer = _user(demo_session, BUSINESS_LOGIN), _user(demo_session, VIEWER_LOGIN)
    demo_session.rollback()  # the sign-ins above are not kept
    mine = profile_gateway.profile_page(REQUEST, owner)
    theirs = profile_gateway.profile_page(REQUEST, viewer)
    assert (mine.can_edit, mine.can_manage) == (True, True)
    assert (theirs.can_edit, theirs.can_manage) == (False, False)
    assert mine.profile == theirs.profile and mine.profile.values["customer_type"] == "business"
    assert [(m.role_label, m.is_me) for m in theirs.members] == [("Owner", False), ("Viewer", True)]
    assert [i.email for i in theirs.invitations] == [PENDING_INVITATION[0]]
    assert subscription_gateway.may_order(owner) and not subscription_gateway.may_order(viewer)


def test_a_viewer_is_offered_no_change_and_refused_when_sending_one(
    demo_session: Session, demo_gateway: None
) -> None:
    owner, viewer = _user(demo_session, BUSINESS_LOGIN), _user(demo_session, VIEWER_LOGIN)
    demo_session.rollback()
    offered, shown = (
        subscription_gateway.subscription_page(owner, SUPPORT),
        subscription_gateway.subscription_page(viewer, SUPPORT),
    )
    assert offered.can_resume and not shown.can_resume
    assert not (shown.can_cancel or shown.can_change_plan)
    with pytest.raises(PermissionDenied, match="Only owners and billing members"):
        subscription_gateway.resume(REQUEST, viewer, shown.detail.id)
    with pytest.raises(PermissionDenied, match="Only owners"):
        profile_gateway.invite(REQUEST, viewer, "someone@example.com", "owner")


def test_after_signing_up_only_an_invitation_page_is_a_destination() -> None:
    token = "A" * 43
    assert return_path(f"/invitations/{token}") == f"/invitations/{token}"
    for elsewhere in (
        "https://evil.example/",
        "//evil.example",
        "/admin",
        f"/invitations/{token}/../admin",
        "",
    ):
        assert return_path(elsewhere) == ""


def test_a_viewer_opening_the_order_wizard_is_told_at_once_and_the_owner_is_not(
    demo_session: Session, demo_gateway: None
) -> None:
    owner, viewer = _user(demo_session, BUSINESS_LOGIN), _user(demo_session, VIEWER_LOGIN)
    demo_session.rollback()
    assert order_gateway.start_order(REQUEST, owner, "hosting-pro").plan_key == "hosting-pro"
    refusal = "Only owners and billing members of the customer account may order"
    with pytest.raises(PermissionDenied, match=refusal):
        order_gateway.start_order(REQUEST, viewer, "hosting-pro")
