"""Who may do what: each action a service performs for someone, with its rule, in one table.

Every service operation that acts for someone calls `authorize(actor, scope, Action.X, ...)` first,
before it reads or changes anything, whatever the entry point: a page (through the gateway), the
REST API, a job, the CLI or the demo. A check therefore cannot be missing from one entry point, and
a refusal changes nothing.

A rule (`RULES`) says
- which roles may act. `Role.SYSTEM` (jobs, CLI) is a role like the others: it may do what its rows
  grant and nothing else. An actor without a role (a visitor, a bare `Actor(user_id=5)`) may only
  do public things;
- whose objects: customers act only on objects of their own customer account (admins on any of
  their tenant's), and passwords and API tokens are each user's own;
- which member roles of the customer account may act (`members`): an account's owners do
  everything, its billing members everything but managing members, its viewers only read. A
  customer acts with the member role the server resolved with the account (an API token: its
  user's); a customer actor without one may do only what every member may;
- which scope a personal access token needs. Token scopes are an extra limit on top of the role:
  a customer's token with the "admin" scope still cannot void an invoice.

An admin or customer acts in their own tenant only; the system actor in whichever tenant the job
runs for.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from backend.kit.errors import PermissionDenied
from backend.kit.principals import ApiPrincipal, SignedInUser
from backend.kit.repository import TenantScope
from backend.models.enums import MemberRole


class Role(StrEnum):
    ADMIN = "admin"
    CUSTOMER = "customer"
    SYSTEM = "system"  # scheduled jobs and the operator's command line


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, with what the policy needs to decide, and where from (for the audit log).

    `token_scopes` is None unless the actor came with a personal access token.
    """

    user_id: int | None = None
    ip_address: str = ""
    role: Role | None = None
    tenant_id: int | None = None
    customer_account_id: int | None = None  # the customer account a customer acts for
    token_scopes: frozenset[str] | None = None
    member_role: str | None = None  # the customer's role on that account: "owner", "billing", "viewer"

    @classmethod
    def for_user(cls, user: SignedInUser, ip_address: str = "") -> Actor:
        """A signed-in user, with the role and customer account the server resolved for the session."""
        return cls(
            user_id=user.user_id,
            ip_address=ip_address,
            role=Role(user.role),
            tenant_id=user.tenant_id,
            customer_account_id=user.customer_account_id,
            member_role=user.member_role,
        )

    @classmethod
    def for_token(cls, principal: ApiPrincipal, ip_address: str = "") -> Actor:
        """The user behind a personal access token, limited to the token's scopes."""
        user = principal.user
        return cls(
            user_id=user.user_id,
            ip_address=ip_address,
            role=Role(user.role),
            tenant_id=user.tenant_id,
            customer_account_id=user.customer_account_id,
            token_scopes=principal.scopes,
            member_role=user.member_role,
        )

    @classmethod
    def visitor(cls, ip_address: str = "") -> Actor:
        """Someone not signed in (signing in, signing up, resetting a password): no role."""
        return cls(ip_address=ip_address)

    @classmethod
    def admin(cls, tenant_id: int, user_id: int | None = None, ip_address: str = "") -> Actor:
        """An admin of `tenant_id`; tools that stand in for one (demo, scenario runner) use it too."""
        return cls(user_id=user_id, ip_address=ip_address, role=Role.ADMIN, tenant_id=tenant_id)

    @classmethod
    def customer(
        cls,
        tenant_id: int,
        customer_account_id: int,
        user_id: int | None = None,
        ip_address: str = "",
        member_role: str = "owner",
    ) -> Actor:
        """A user acting for customer account `customer_account_id` of `tenant_id` (its owner unless
        `member_role` says otherwise)."""
        return cls(
            user_id=user_id,
            ip_address=ip_address,
            role=Role.CUSTOMER,
            tenant_id=tenant_id,
            customer_account_id=customer_account_id,
            member_role=member_role,
        )


# Scheduled jobs and the CLI: allowed exactly the actions whose rule names `Role.SYSTEM`.
SYSTEM = Actor(role=Role.SYSTEM)


class Action(StrEnum):
    # public: the visitor proves who they are with a password, an emailed code or a reset link
    SIGN_IN = "auth.sign_in"
    SIGN_UP = "account.sign_up"
    CONFIRM_EMAIL = "account.confirm_email"
    RESET_PASSWORD = "account.reset_password"
    # each user for themselves
    READ_PROFILE = "profile.read"
    READ_CATALOG = "catalog.read"
    CHANGE_PASSWORD = "account.change_password"
    MANAGE_TOKENS = "token.manage"
    # customers on their own customer account (admins on any of their tenant)
    ORDER_SUBSCRIPTION = "subscription.order"
    PREVIEW_ORDER = "subscription.preview_order"
    READ_SUBSCRIPTIONS = "subscription.read"
    READ_INVOICES = "invoice.read"
    PREVIEW_PLAN_CHANGE = "subscription.preview_plan_change"
    CHANGE_PLAN = "subscription.change_plan"
    PREVIEW_CANCEL = "subscription.preview_cancel"
    CANCEL_SUBSCRIPTION = "subscription.cancel"
    RESUME_SUBSCRIPTION = "subscription.resume"
    WITHDRAW_SUBSCRIPTION = "subscription.withdraw"
    PREVIEW_WITHDRAWAL = "subscription.preview_withdrawal"
    PREVIEW_ADDON_CHANGE = "subscription.preview_addon_change"
    ADD_ADDON = "subscription.add_addon"
    REMOVE_ADDON = "subscription.remove_addon"
    READ_BILLING_PROFILE = "customer.read_profile"
    EDIT_BILLING_PROFILE = "customer.edit_profile"
    READ_MEMBERS = "customer.read_members"
    MANAGE_MEMBERS = "customer.manage_members"
    DOWNLOAD_INVOICE_PDF = "invoice.download_pdf"
    PAY_INVOICE = "invoice.pay"
    # the signed-in user whose email an invitation names
    ACCEPT_INVITATION = "customer.accept_invitation"
    # tenant administration
    LIST_USERS = "user.list"
    LOCK_USER = "user.lock"
    SET_USER_ROLE = "user.set_role"
    READ_AUDIT_LOG = "audit.read"
    READ_OVERVIEW = "tenant.overview"
    MONITOR_JOBS = "jobs.monitor"
    CHANGE_TENANT_SETTINGS = "tenant.settings"
    READ_TENANT_SETTINGS = "tenant.read_settings"
    MANAGE_CATALOG = "catalog.manage"
    ADD_EXCHANGE_RATE = "exchange_rate.add"
    BILL_NOW = "invoice.bill_now"
    EXPORT_DATA = "data.export"
    CREDIT_INVOICE = "invoice.credit"
    VOID_INVOICE = "invoice.void"
    MARK_INVOICE_PAID = "invoice.mark_paid"
    RECEIVE_PAYMENT = "invoice.receive_payment"
    MARK_INVOICE_UNPAID = "invoice.mark_unpaid"
    # payments: bank transfers an admin records, refunds, and the payments, disputes and payouts read
    RECORD_BANK_TRANSFER = "payment.record_transfer"
    REFUND_PAYMENT = "payment.refund"
    READ_PAYMENTS = "payment.read"
    BROWSE_INVOICES = "invoice.browse"
    MANAGE_INVOICE_DRAFTS = "invoice.manage_drafts"
    ISSUE_INVOICE = "invoice.issue"
    CANCEL_IMMEDIATELY = "subscription.cancel_immediately"
    PREVIEW_CANCEL_IMMEDIATELY = "subscription.preview_cancel_immediately"
    BROWSE_SUBSCRIPTIONS = "subscription.browse"
    READ_CUSTOMERS = "customer.read"
    READ_CUSTOMER_NOTES = "customer.read_notes"
    ADD_CUSTOMER_NOTE = "customer.add_note"
    MARK_PAST_DUE = "subscription.mark_past_due"
    REINSTATE_SUBSCRIPTION = "subscription.reinstate"
    # the system alone
    EXPIRE_SUBSCRIPTION = "subscription.expire"
    # dunning: admins read the reminder steps (they change them as a tenant setting); the job reminds
    READ_DUNNING_SETTINGS = "dunning.read_settings"
    SEND_PAYMENT_REMINDERS = "dunning.remind"
    # auto-billing: paying members save a card and switch automatic payment; admins read and change
    # the payment settings (the retry schedule); the auto-payment job charges saved cards
    MANAGE_PAYMENT_METHOD = "customer.manage_payment_method"
    READ_PAYMENT_SETTINGS = "payments.read_settings"
    CHANGE_PAYMENT_SETTINGS = "payments.change_settings"
    CHARGE_SAVED_METHOD = "payments.charge_saved_method"
    # payment links for ad-hoc invoices (admins)
    MANAGE_PAYMENT_LINKS = "payments.manage_links"
    # provisioning: customers see and power their own servers (admins any of the tenant's); the
    # account's owners reveal a server's SSH key, once; admins read the provisioning log, the
    # backorders and the providers' health, retry a failed server and set the provider tokens;
    # the provisioning job creates, polls, powers and deletes servers
    READ_SERVERS = "server.read"
    OPERATE_SERVER = "server.operate"
    REVEAL_SSH_KEY = "server.reveal_key"
    CANCEL_BACKORDER = "backorder.cancel"
    RETRY_PROVISIONING = "server.retry_provisioning"
    READ_PROVISIONING = "provisioning.read"
    MANAGE_PROVIDER_TOKENS = "provisioning.manage_tokens"
    PROVISION_SERVERS = "provisioning.run"


class Owner(Enum):
    """Whose objects an actor allowed by role may act on."""

    ANY = "any"  # the role decides alone (within the actor's tenant)
    CUSTOMER_ACCOUNT = "customer_account"  # customers: their own account's objects only
    SELF = "self"  # the user themselves only, whatever the role


ALL_MEMBERS = frozenset(MemberRole)
# Orders, subscriptions and the billing profile: owners and billing members, never viewers.
PAYING_MEMBERS = frozenset({MemberRole.OWNER, MemberRole.BILLING})
OWNERS = frozenset({MemberRole.OWNER})


@dataclass(frozen=True, slots=True)
class Rule:
    roles: frozenset[Role] | None  # None: anyone, signed in or not
    what: str  # completes "Only admins may ...": the refusal names the action
    token_scope: str | None = None  # scope a personal access token needs; None: no token may
    owner: Owner = Owner.ANY
    # The member roles of a customer account whose customers may act (admins and jobs: not asked).
    members: frozenset[MemberRole] = ALL_MEMBERS


ADMINS = frozenset({Role.ADMIN})
ADMINS_AND_SYSTEM = frozenset({Role.ADMIN, Role.SYSTEM})
USERS = frozenset({Role.ADMIN, Role.CUSTOMER})
CUSTOMERS = frozenset({Role.CUSTOMER})
SYSTEM_ONLY = frozenset({Role.SYSTEM})
_OWN = Owner.CUSTOMER_ACCOUNT
_PAYING = PAYING_MEMBERS

RULES: dict[Action, Rule] = {
    Action.SIGN_IN: Rule(None, "sign in"),
    Action.SIGN_UP: Rule(None, "sign up"),
    Action.CONFIRM_EMAIL: Rule(None, "confirm an email address"),
    Action.RESET_PASSWORD: Rule(None, "reset a password"),
    Action.READ_PROFILE: Rule(USERS, "read the profile", "read"),
    Action.CHANGE_PASSWORD: Rule(USERS, "change a password", owner=Owner.SELF),
    Action.MANAGE_TOKENS: Rule(USERS, "manage API tokens", owner=Owner.SELF),
    Action.READ_CATALOG: Rule(USERS, "read the catalog", "read"),
    Action.ORDER_SUBSCRIPTION: Rule(USERS, "order subscriptions", "write", _OWN, _PAYING),
    Action.PREVIEW_ORDER: Rule(USERS, "preview orders", "read", _OWN),
    Action.READ_SUBSCRIPTIONS: Rule(USERS, "read subscriptions", "read", _OWN),
    # every member reads the account's invoices (a viewer too); admins any of the tenant's
    Action.READ_INVOICES: Rule(USERS, "read invoices", "read", _OWN),
    Action.PREVIEW_PLAN_CHANGE: Rule(USERS, "preview plan changes", "read", _OWN),
    Action.CHANGE_PLAN: Rule(USERS, "change plans", "write", _OWN, _PAYING),
    # the preview runs the cancellation itself (rolled back): for those who may cancel
    Action.PREVIEW_CANCEL: Rule(USERS, "preview cancellations", "read", _OWN, _PAYING),
    Action.CANCEL_SUBSCRIPTION: Rule(USERS, "cancel subscriptions", "write", _OWN, _PAYING),
    Action.RESUME_SUBSCRIPTION: Rule(USERS, "resume subscriptions", "write", _OWN, _PAYING),
    Action.WITHDRAW_SUBSCRIPTION: Rule(USERS, "withdraw from subscriptions", "write", _OWN, _PAYING),
    Action.PREVIEW_WITHDRAWAL: Rule(USERS, "preview withdrawals", "read", _OWN, _PAYING),
    Action.PREVIEW_ADDON_CHANGE: Rule(USERS, "preview addon changes", "read", _OWN, _PAYING),
    Action.ADD_ADDON: Rule(USERS, "add addons", "write", _OWN, _PAYING),
    Action.REMOVE_ADDON: Rule(USERS, "remove addons", "write", _OWN, _PAYING),
    Action.READ_BILLING_PROFILE: Rule(USERS, "read billing profiles", "read", _OWN),
    Action.EDIT_BILLING_PROFILE: Rule(USERS, "change billing profiles", "write", _OWN, _PAYING),
    Action.READ_MEMBERS: Rule(USERS, "read the members of customer accounts", "read", _OWN),
    Action.MANAGE_MEMBERS: Rule(USERS, "manage the members of customer accounts", "write", _OWN, OWNERS),
    # invoice and credit-note PDFs: every member of the owning account reads them, and admins
    Action.DOWNLOAD_INVOICE_PDF: Rule(USERS, "download invoices", "read", _OWN),
    # paying by card (Stripe Checkout): those who may spend the account's money; admins record
    # payments instead (a bank transfer received), they never pay with the customer's card
    Action.PAY_INVOICE: Rule(CUSTOMERS, "pay invoices", "write", _OWN, _PAYING),
    # the invited user themselves, in the console (an invitation joins a person, not a token)
    Action.ACCEPT_INVITATION: Rule(CUSTOMERS, "accept invitations", owner=Owner.SELF),
    Action.LIST_USERS: Rule(ADMINS, "list users", "admin"),
    Action.LOCK_USER: Rule(ADMINS, "lock or unlock users", "admin"),
    Action.SET_USER_ROLE: Rule(ADMINS, "change roles", "admin"),
    Action.READ_AUDIT_LOG: Rule(ADMINS, "read the audit log", "admin"),
    Action.READ_OVERVIEW: Rule(ADMINS, "read the tenant's figures", "admin"),
    Action.MONITOR_JOBS: Rule(ADMINS, "monitor jobs", "admin"),
    # the operator configures tenants from the CLI
    Action.CHANGE_TENANT_SETTINGS: Rule(ADMINS_AND_SYSTEM, "change tenant settings", "admin"),
    Action.READ_TENANT_SETTINGS: Rule(ADMINS, "read the tenant settings", "admin"),
    Action.MANAGE_CATALOG: Rule(ADMINS, "change the catalog", "admin"),
    # `billing-console exchange-rates add`
    Action.ADD_EXCHANGE_RATE: Rule(ADMINS_AND_SYSTEM, "add exchange rates", "admin"),
    Action.BILL_NOW: Rule(ADMINS, "bill now", "admin"),
    Action.EXPORT_DATA: Rule(ADMINS, "export data as CSV", "admin"),
    Action.CREDIT_INVOICE: Rule(ADMINS, "credit invoices", "admin"),
    Action.VOID_INVOICE: Rule(ADMINS, "void invoices", "admin"),
    Action.MARK_INVOICE_PAID: Rule(ADMINS, "mark invoices paid", "admin"),
    Action.RECEIVE_PAYMENT: Rule(ADMINS_AND_SYSTEM, "record money received for an invoice", "admin"),
    Action.MARK_INVOICE_UNPAID: Rule(ADMINS, "mark invoices unpaid", "admin"),
    Action.RECORD_BANK_TRANSFER: Rule(ADMINS, "record bank transfers", "admin"),
    Action.REFUND_PAYMENT: Rule(ADMINS, "refund payments", "admin"),
    Action.READ_PAYMENTS: Rule(ADMINS, "read payments, disputes and payouts", "admin"),
    # the admin's invoice pages and API: every invoice of the tenant, drafts written by hand
    Action.BROWSE_INVOICES: Rule(ADMINS, "browse every invoice", "admin"),
    Action.MANAGE_INVOICE_DRAFTS: Rule(ADMINS, "write draft invoices", "admin"),
    Action.ISSUE_INVOICE: Rule(ADMINS, "issue invoices", "admin"),
    Action.CANCEL_IMMEDIATELY: Rule(ADMINS, "cancel subscriptions immediately", "admin"),
    Action.PREVIEW_CANCEL_IMMEDIATELY: Rule(ADMINS, "preview immediate cancellations", "admin"),
    # the admin pages and API across customers: every subscription, every customer account
    Action.BROWSE_SUBSCRIPTIONS: Rule(ADMINS, "browse every subscription", "admin"),
    Action.READ_CUSTOMERS: Rule(ADMINS, "read customer accounts", "admin"),
    Action.READ_CUSTOMER_NOTES: Rule(ADMINS, "read customer notes", "admin"),
    Action.ADD_CUSTOMER_NOTE: Rule(ADMINS, "add customer notes", "admin"),
    # dunning: the reminder job after the last reminder, or an admin
    Action.MARK_PAST_DUE: Rule(ADMINS_AND_SYSTEM, "mark subscriptions past due", "admin"),
    Action.REINSTATE_SUBSCRIPTION: Rule(ADMINS_AND_SYSTEM, "reinstate subscriptions", "admin"),
    # the expiration job carries out cancellations whose time has come
    Action.EXPIRE_SUBSCRIPTION: Rule(SYSTEM_ONLY, "expire subscriptions"),
    Action.READ_DUNNING_SETTINGS: Rule(ADMINS, "read the payment reminder settings", "admin"),
    # the reminder job sends the step that is due (and suspends after the last)
    Action.SEND_PAYMENT_REMINDERS: Rule(SYSTEM_ONLY, "send payment reminders"),
    # a saved card pays every invoice of the account: its members who may pay (not viewers, not admins:
    # the card is the customer's own)
    Action.MANAGE_PAYMENT_METHOD: Rule(CUSTOMERS, "manage saved payment methods", "write", _OWN, _PAYING),
    Action.READ_PAYMENT_SETTINGS: Rule(ADMINS, "read the payment settings", "admin"),
    Action.CHANGE_PAYMENT_SETTINGS: Rule(ADMINS, "change the payment settings", "admin"),
    # the auto-payment job charges issued invoices with the customer's saved method
    Action.CHARGE_SAVED_METHOD: Rule(SYSTEM_ONLY, "charge saved payment methods"),
    # payment links: admins create and revoke them
    Action.MANAGE_PAYMENT_LINKS: Rule(ADMINS, "create or revoke payment links", "admin"),
    # provisioning: viewers see servers; owners and billing members power them and cancel
    # backorders; only owners reveal the SSH key (it opens the server)
    Action.READ_SERVERS: Rule(USERS, "read servers", "read", _OWN),
    Action.OPERATE_SERVER: Rule(USERS, "start, stop or reboot servers", "write", _OWN, _PAYING),
    Action.REVEAL_SSH_KEY: Rule(CUSTOMERS, "reveal SSH keys", "write", _OWN, OWNERS),
    Action.CANCEL_BACKORDER: Rule(USERS, "cancel backorders", "write", _OWN, _PAYING),
    Action.RETRY_PROVISIONING: Rule(ADMINS, "retry failed provisioning", "admin"),
    Action.READ_PROVISIONING: Rule(ADMINS, "read provisioning logs, backorders and providers", "admin"),
    Action.MANAGE_PROVIDER_TOKENS: Rule(ADMINS, "set provider tokens", "admin"),
    Action.PROVISION_SERVERS: Rule(SYSTEM_ONLY, "provision servers"),
}


def authorize(
    actor: Actor,
    scope: TenantScope,
    action: Action,
    *,
    owner_account_id: int | None = None,
    owner_user_id: int | None = None,
) -> None:
    """Raise `PermissionDenied` unless `actor` may do `action` in `scope`'s tenant.

    `owner_account_id` is the customer account the object belongs to (rules with
    `Owner.CUSTOMER_ACCOUNT`), `owner_user_id` the user it belongs to (`Owner.SELF`). Not given,
    a customer (or a user) is not its owner.
    """
    rule = RULES[action]
    if rule.roles is None:
        return
    if actor.role not in rule.roles:
        raise PermissionDenied(f"Only {_who(rule.roles)} may {rule.what}.")
    if actor.role != Role.SYSTEM and (actor.tenant_id is None or actor.tenant_id != scope.tenant_id):
        raise PermissionDenied(f"You may {rule.what} only in your own tenant.")
    if actor.token_scopes is not None:
        if rule.token_scope is None:
            raise PermissionDenied(f"An API token cannot {rule.what}; use the console.")
        if rule.token_scope not in actor.token_scopes:
            raise PermissionDenied(f"This token lacks the {rule.token_scope!r} scope.")
    if rule.owner == Owner.SELF and (actor.user_id is None or actor.user_id != owner_user_id):
        raise PermissionDenied(f"You may {rule.what} only for yourself.")
    if rule.owner == Owner.CUSTOMER_ACCOUNT and actor.role == Role.CUSTOMER:
        own = actor.customer_account_id is not None and actor.customer_account_id == owner_account_id
        if not own:
            raise PermissionDenied(f"You may {rule.what} only for your own customer account.")
    if actor.role == Role.CUSTOMER and rule.members != ALL_MEMBERS and actor.member_role not in rule.members:
        raise PermissionDenied(f"Only {_members(rule.members)} of the customer account may {rule.what}.")


def allows(
    actor: Actor,
    scope: TenantScope,
    action: Action,
    *,
    owner_account_id: int | None = None,
    owner_user_id: int | None = None,
) -> bool:
    """Whether `authorize` would let `actor` do `action` (to decide what a page offers)."""
    try:
        authorize(actor, scope, action, owner_account_id=owner_account_id, owner_user_id=owner_user_id)
    except PermissionDenied:
        return False
    return True


def _who(roles: frozenset[Role]) -> str:
    """The people a refusal names; the system role is named only when it alone may act."""
    if roles >= USERS:
        return "signed-in users"
    if Role.ADMIN in roles:
        return "admins"
    if Role.CUSTOMER in roles:
        return "customers"
    return "scheduled jobs"


def _members(members: frozenset[MemberRole]) -> str:
    """The member roles a refusal names: "owners", "owners and billing members"."""
    names = [
        ("owners" if role == MemberRole.OWNER else f"{role} members")
        for role in MemberRole
        if role in members
    ]
    return " and ".join(names)


@dataclass(frozen=True, slots=True)
class TokenScope:
    description: str
    holders: frozenset[Role]  # roles whose tokens may carry the scope


# What a personal access token may be granted; a rule's `token_scope` names one of these.
TOKEN_SCOPES: dict[str, TokenScope] = {
    "read": TokenScope("Read your account, subscriptions, invoices and usage", USERS),
    "write": TokenScope("Change things: orders, subscriptions, usage records", USERS),
    "admin": TokenScope("Tenant administration (admins only)", ADMINS),
}


def may_hold_scope(role: Role | str, token_scope: str) -> bool:
    """Whether a token of a user with `role` may carry `token_scope` (unknown scopes: no)."""
    found = TOKEN_SCOPES.get(token_scope)
    return found is not None and role in found.holders
