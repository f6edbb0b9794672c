"""The policy table itself (backend/kit/policy.py), without a database: who may do what.

Expectations are written out here by hand, not read from `RULES`: a changed rule must fail a test.
"""

from __future__ import annotations

import pytest

from backend.kit.errors import PermissionDenied
from backend.kit.policy import RULES, SYSTEM, Action, Actor, Role, allows, authorize, may_hold_scope
from backend.kit.principals import ApiPrincipal, SignedInUser
from backend.kit.repository import TenantScope

HERE = TenantScope(7)
ELSEWHERE = TenantScope(8)
ADMIN = Actor.admin(7, user_id=1)
ALICE = Actor.customer(7, customer_account_id=100, user_id=2)  # owns customer account 100
BOB = Actor.customer(7, customer_account_id=200, user_id=3)
# Members of Alice's account 100 with other roles
BILL = Actor.customer(7, customer_account_id=100, user_id=4, member_role="billing")
VERA = Actor.customer(7, customer_account_id=100, user_id=5, member_role="viewer")
PUBLIC = {Action.SIGN_IN, Action.SIGN_UP, Action.CONFIRM_EMAIL, Action.RESET_PASSWORD}
# What jobs and the CLI may do besides the public actions, as the issue asks: listed, not implied.
SYSTEM_ACTIONS = {
    Action.CHANGE_TENANT_SETTINGS,
    Action.ADD_EXCHANGE_RATE,
    Action.MARK_PAST_DUE,
    Action.REINSTATE_SUBSCRIPTION,
    Action.EXPIRE_SUBSCRIPTION,
    Action.SEND_PAYMENT_REMINDERS,
    Action.RECEIVE_PAYMENT,
    Action.CHARGE_SAVED_METHOD,
    Action.PROVISION_SERVERS,
}
# The jobs' own steps: no person may do them.
JOB_ACTIONS = {
    Action.EXPIRE_SUBSCRIPTION,
    Action.SEND_PAYMENT_REMINDERS,
    Action.CHARGE_SAVED_METHOD,
    Action.PROVISION_SERVERS,
}
# A server's SSH key opens it: its account's owners reveal it, once; not billing members, not admins.
KEY_OWNER_ACTIONS = {Action.REVEAL_SSH_KEY}
# The customer's own card: its account's paying members, never an admin, never a viewer.
CARD_HOLDER_ACTIONS = {Action.MANAGE_PAYMENT_METHOD}
CUSTOMER_ACTIONS = {
    Action.ORDER_SUBSCRIPTION,
    Action.PREVIEW_ORDER,
    Action.READ_SUBSCRIPTIONS,
    Action.READ_INVOICES,
    Action.PREVIEW_PLAN_CHANGE,
    Action.PREVIEW_CANCEL,
    Action.CHANGE_PLAN,
    Action.CANCEL_SUBSCRIPTION,
    Action.RESUME_SUBSCRIPTION,
    Action.WITHDRAW_SUBSCRIPTION,
    Action.PREVIEW_WITHDRAWAL,
    Action.PREVIEW_ADDON_CHANGE,
    Action.ADD_ADDON,
    Action.REMOVE_ADDON,
    Action.READ_BILLING_PROFILE,
    Action.EDIT_BILLING_PROFILE,
    Action.READ_MEMBERS,
    Action.MANAGE_MEMBERS,
    Action.DOWNLOAD_INVOICE_PDF,
    Action.READ_SERVERS,
    Action.OPERATE_SERVER,
    Action.CANCEL_BACKORDER,
}
# Of those, what an account's viewers may do (reading), and what its billing members may not.
VIEWER_ACTIONS = {
    Action.PREVIEW_ORDER,
    Action.READ_SUBSCRIPTIONS,
    Action.READ_INVOICES,
    Action.PREVIEW_PLAN_CHANGE,
    Action.READ_BILLING_PROFILE,
    Action.READ_MEMBERS,
    Action.DOWNLOAD_INVOICE_PDF,
    Action.READ_SERVERS,
}
OWNER_ONLY_ACTIONS = {Action.MANAGE_MEMBERS}
# Paying with a card is the customer's own act: owners and billing members; admins record payments.
CUSTOMER_ONLY_ACTIONS = {Action.PAY_INVOICE}
# The invited user accepts for themselves, in the console.
INVITEE_ACTIONS = {Action.ACCEPT_INVITATION}
SELF_ACTIONS = {Action.CHANGE_PASSWORD, Action.MANAGE_TOKENS}
SIGNED_IN_READS = {Action.READ_PROFILE, Action.READ_CATALOG}
ADMIN_ACTIONS = {
    Action.LIST_USERS,
    Action.LOCK_USER,
    Action.SET_USER_ROLE,
    Action.READ_AUDIT_LOG,
    Action.READ_OVERVIEW,
    Action.MONITOR_JOBS,
    Action.CHANGE_TENANT_SETTINGS,
    Action.MANAGE_CATALOG,
    Action.ADD_EXCHANGE_RATE,
    Action.BILL_NOW,
    Action.EXPORT_DATA,
    Action.CREDIT_INVOICE,
    Action.VOID_INVOICE,
    Action.MARK_INVOICE_PAID,
    Action.RECEIVE_PAYMENT,
    Action.MARK_INVOICE_UNPAID,
    Action.RECORD_BANK_TRANSFER,
    Action.REFUND_PAYMENT,
    Action.READ_PAYMENTS,
    Action.BROWSE_INVOICES,
    Action.MANAGE_INVOICE_DRAFTS,
    Action.ISSUE_INVOICE,
    Action.CANCEL_IMMEDIATELY,
    Action.PREVIEW_CANCEL_IMMEDIATELY,
    Action.BROWSE_SUBSCRIPTIONS,
    Action.READ_CUSTOMERS,
    Action.READ_CUSTOMER_NOTES,
    Action.ADD_CUSTOMER_NOTE,
    Action.MARK_PAST_DUE,
    Action.REINSTATE_SUBSCRIPTION,
    Action.READ_DUNNING_SETTINGS,
    Action.READ_TENANT_SETTINGS,
    Action.READ_PAYMENT_SETTINGS,
    Action.CHANGE_PAYMENT_SETTINGS,
    Action.MANAGE_PAYMENT_LINKS,
    Action.RETRY_PROVISIONING,
    Action.READ_PROVISIONING,
    Action.MANAGE_PROVIDER_TOKENS,
}


def _may(actor: Actor, action: Action, scope: TenantScope = HERE, **owner: int) -> bool:
    return allows(actor, scope, action, **owner)


def test_every_action_has_a_rule_and_one_of_the_kinds_below() -> None:
    assert set(RULES) == set(Action)
    kinds = [
        PUBLIC,
        SELF_ACTIONS,
        SIGNED_IN_READS,
        CUSTOMER_ACTIONS,
        CUSTOMER_ONLY_ACTIONS,
        CARD_HOLDER_ACTIONS,
        KEY_OWNER_ACTIONS,
        INVITEE_ACTIONS,
        ADMIN_ACTIONS,
        JOB_ACTIONS,
    ]
    assert set().union(*kinds) == set(Action) and sum(map(len, kinds)) == len(Action)


@pytest.mark.parametrize("action", sorted(Action), ids=str)
def test_a_bare_actor_without_a_role_may_do_public_things_only(action: Action) -> None:
    for nobody in (Actor(user_id=5), Actor(user_id=5, tenant_id=7), Actor.visitor("192.0.2.1")):
        assert _may(nobody, action, owner_user_id=5, owner_account_id=100) == (action in PUBLIC)


@pytest.mark.parametrize("action", sorted(Action), ids=str)
def test_the_system_may_do_exactly_its_listed_actions_in_any_tenant(action: Action) -> None:
    expected = action in SYSTEM_ACTIONS | PUBLIC
    assert _may(SYSTEM, action, owner_account_id=100) == expected
    assert _may(SYSTEM, action, ELSEWHERE, owner_account_id=100) == expected


@pytest.mark.parametrize("action", sorted(ADMIN_ACTIONS), ids=str)
def test_admin_actions_are_refused_to_customers_and_allowed_to_admins(action: Action) -> None:
    assert _may(ADMIN, action)
    assert not _may(ALICE, action, owner_account_id=100)
    with pytest.raises(PermissionDenied, match="Only admins may"):
        authorize(ALICE, HERE, action, owner_account_id=100)


@pytest.mark.parametrize("action", sorted(CUSTOMER_ACTIONS), ids=str)
def test_customers_act_on_their_own_account_and_admins_on_any(action: Action) -> None:
    assert _may(ALICE, action, owner_account_id=100)
    assert not _may(BOB, action, owner_account_id=100)
    assert not _may(ALICE, action)  # an object of no known owner is nobody's own
    assert not _may(Actor(user_id=2, role=Role.CUSTOMER, tenant_id=7), action, owner_account_id=100)
    assert _may(ADMIN, action, owner_account_id=100)
    with pytest.raises(PermissionDenied, match="only for your own customer account"):
        authorize(BOB, HERE, action, owner_account_id=100)


@pytest.mark.parametrize("action", sorted(CUSTOMER_ACTIONS), ids=str)
def test_viewers_only_read_and_billing_members_do_all_but_manage_members(action: Action) -> None:
    assert _may(VERA, action, owner_account_id=100) == (action in VIEWER_ACTIONS)
    assert _may(BILL, action, owner_account_id=100) == (action not in OWNER_ONLY_ACTIONS)
    assert not _may(BILL, action, owner_account_id=200)  # a member of 100 only
    no_role = Actor(user_id=6, role=Role.CUSTOMER, tenant_id=7, customer_account_id=100)
    assert _may(no_role, action, owner_account_id=100) == (action in VIEWER_ACTIONS)  # fails closed


@pytest.mark.parametrize("action", sorted(CUSTOMER_ONLY_ACTIONS), ids=str)
def test_paying_is_for_paying_members_of_the_own_account_never_admins(action: Action) -> None:
    assert _may(ALICE, action, owner_account_id=100) and _may(BILL, action, owner_account_id=100)
    assert not _may(VERA, action, owner_account_id=100)
    assert not _may(BOB, action, owner_account_id=100)
    assert not _may(ADMIN, action, owner_account_id=100)
    assert not _may(_token("customer", {"read"}, 100), action, owner_account_id=100)
    assert _may(_token("customer", {"write"}, 100), action, owner_account_id=100)
    with pytest.raises(PermissionDenied, match=r"^Only customers may pay invoices\.$"):
        authorize(ADMIN, HERE, action, owner_account_id=100)


@pytest.mark.parametrize("action", sorted(CARD_HOLDER_ACTIONS), ids=str)
def test_a_saved_card_is_managed_by_its_accounts_paying_members_only(action: Action) -> None:
    assert _may(ALICE, action, owner_account_id=100)
    assert _may(BILL, action, owner_account_id=100)
    assert not _may(VERA, action, owner_account_id=100)
    assert not _may(BOB, action, owner_account_id=100)
    assert not _may(ADMIN, action, owner_account_id=100)  # the card is the customer's own
    assert not _may(SYSTEM, action, owner_account_id=100)


@pytest.mark.parametrize("action", sorted(KEY_OWNER_ACTIONS), ids=str)
def test_an_ssh_key_is_revealed_by_its_accounts_owners_only(action: Action) -> None:
    assert _may(ALICE, action, owner_account_id=100)
    assert not _may(BILL, action, owner_account_id=100)
    assert not _may(VERA, action, owner_account_id=100)
    assert not _may(BOB, action, owner_account_id=100)
    assert not _may(ADMIN, action, owner_account_id=100)  # the key is the customer's own
    assert not _may(SYSTEM, action, owner_account_id=100)
    assert not _may(_token("customer", {"read"}, 100), action, owner_account_id=100)


def test_a_refused_member_is_told_which_roles_may() -> None:
    with pytest.raises(
        PermissionDenied, match=r"^Only owners and billing members of the customer account may cancel"
    ):
        authorize(VERA, HERE, Action.CANCEL_SUBSCRIPTION, owner_account_id=100)
    with pytest.raises(
        PermissionDenied, match=r"^Only owners of the customer account may manage the members"
    ):
        authorize(BILL, HERE, Action.MANAGE_MEMBERS, owner_account_id=100)


def test_an_invitation_is_accepted_by_the_invited_customer_in_person() -> None:
    assert _may(VERA, Action.ACCEPT_INVITATION, owner_user_id=5)
    assert not _may(VERA, Action.ACCEPT_INVITATION, owner_user_id=2)  # another address
    assert not _may(ADMIN, Action.ACCEPT_INVITATION, owner_user_id=1)  # admins join no account
    assert not _may(_token("customer", {"read", "write"}, 100), Action.ACCEPT_INVITATION, owner_user_id=9)


@pytest.mark.parametrize("action", sorted(SELF_ACTIONS), ids=str)
def test_passwords_and_tokens_are_each_users_own_even_for_admins(action: Action) -> None:
    assert _may(ALICE, action, owner_user_id=2)
    assert _may(ADMIN, action, owner_user_id=1)
    assert not _may(ADMIN, action, owner_user_id=2)
    assert not _may(BOB, action, owner_user_id=2)
    assert not _may(SYSTEM, action, owner_user_id=2)


@pytest.mark.parametrize("action", sorted(set(Action) - PUBLIC), ids=str)
def test_admins_and_customers_act_only_in_their_own_tenant(action: Action) -> None:
    owner = {"owner_account_id": 100, "owner_user_id": 1}
    assert not _may(ADMIN, action, ELSEWHERE, **owner)
    assert not _may(Actor(user_id=1, role=Role.ADMIN), action, **owner)  # an admin of no tenant


def test_refusals_name_the_action() -> None:
    with pytest.raises(PermissionDenied, match=r"^Only admins may void invoices\.$"):
        authorize(ALICE, HERE, Action.VOID_INVOICE)
    with pytest.raises(PermissionDenied, match=r"^Only scheduled jobs may expire subscriptions\.$"):
        authorize(ADMIN, HERE, Action.EXPIRE_SUBSCRIPTION)
    with pytest.raises(PermissionDenied, match=r"^Only signed-in users may cancel subscriptions\.$"):
        authorize(Actor(user_id=5), HERE, Action.CANCEL_SUBSCRIPTION)
    with pytest.raises(PermissionDenied, match=r"only in your own tenant"):
        authorize(ADMIN, ELSEWHERE, Action.VOID_INVOICE)


def _token(
    role: str, scopes: set[str], customer_account_id: int | None = None, member_role: str = "owner"
) -> Actor:
    user = SignedInUser(9, 7, "t@example.com", "T", role, 0, customer_account_id, member_role)
    return Actor.for_token(ApiPrincipal(user=user, scopes=frozenset(scopes), token_id=1), "192.0.2.9")


def test_a_token_is_limited_by_its_scopes_on_top_of_the_role() -> None:
    admin_reads = _token("admin", {"read"})
    assert _may(admin_reads, Action.READ_PROFILE)
    assert not _may(admin_reads, Action.LIST_USERS)
    with pytest.raises(PermissionDenied, match="lacks the 'admin' scope"):
        authorize(admin_reads, HERE, Action.VOID_INVOICE)
    assert _may(_token("admin", {"read", "admin"}), Action.VOID_INVOICE)
    # The role still decides: a customer's token cannot do admin things whatever it claims.
    assert not _may(_token("customer", {"read", "write", "admin"}, 100), Action.VOID_INVOICE)
    owner_reads, owner_writes = _token("customer", {"read"}, 100), _token("customer", {"write"}, 100)
    assert _may(owner_reads, Action.PREVIEW_PLAN_CHANGE, owner_account_id=100)
    assert not _may(owner_reads, Action.CANCEL_SUBSCRIPTION, owner_account_id=100)
    assert _may(owner_writes, Action.CANCEL_SUBSCRIPTION, owner_account_id=100)
    assert not _may(owner_writes, Action.CANCEL_SUBSCRIPTION, owner_account_id=200)
    # A token acts with its user's member role: a viewer's token writes nothing, whatever its scopes.
    viewer_writes = _token("customer", {"read", "write"}, 100, member_role="viewer")
    assert _may(viewer_writes, Action.READ_SUBSCRIPTIONS, owner_account_id=100)
    assert not _may(viewer_writes, Action.CANCEL_SUBSCRIPTION, owner_account_id=100)


def test_a_token_cannot_manage_tokens_or_change_the_password() -> None:
    everything = _token("admin", {"read", "write", "admin"})
    for action in SELF_ACTIONS:
        with pytest.raises(PermissionDenied, match="An API token cannot"):
            authorize(everything, HERE, action, owner_user_id=9)


def test_only_admins_tokens_may_hold_the_admin_scope() -> None:
    assert [may_hold_scope("admin", s) for s in ("read", "write", "admin", "root")] == [
        True,
        True,
        True,
        False,
    ]
    assert [may_hold_scope("customer", s) for s in ("read", "write", "admin")] == [True, True, False]
    assert not may_hold_scope(Role.SYSTEM, "read")


def test_an_actor_for_a_signed_in_user_carries_role_tenant_and_account() -> None:
    user = SignedInUser(4, 7, "c@example.com", "C", "customer", 3, 100, "billing")
    actor = Actor.for_user(user, "198.51.100.4")
    assert actor == Actor(
        user_id=4,
        ip_address="198.51.100.4",
        role=Role.CUSTOMER,
        tenant_id=7,
        customer_account_id=100,
        member_role="billing",
    )
    assert actor.token_scopes is None
