"""The admin listing API: the tenant's customers (with their standing) and every subscription.

Admins' tokens with the "admin" scope only (the services ask the policy); lists are paged with the
cursor of docs/api.md, oldest first by id. An id of another tenant is 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from backend.api.params import Id, Limit, Page, StartingAfter
from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.db import unit_of_work
from backend.models import SubscriptionStatus
from backend.reporting import admin_subscriptions, customers
from backend.reporting.admin_schemas import CustomerFile, CustomerListItem
from backend.subscriptions.schemas import SubscriptionView

router = APIRouter(prefix="/api/v1/admin", tags=["v1"])

Search = Annotated[
    str,
    Query(
        max_length=100,
        description="Part of the customer's name, number (C-10001) or an email of the account",
        examples=["nordwind"],
    ),
]
CustomerSearch = Annotated[
    str, Query(max_length=100, description="Part of the customer's name or number", examples=["C-10002"])
]


@router.get("/customers", summary="List customers")
def list_customers(
    request: Request,
    principal: TokenPrincipal,
    search: Search = "",
    limit: Limit = 50,
    starting_after: StartingAfter = None,
) -> Page[CustomerListItem]:
    """The tenant's customer accounts matching `search`, each with its subscription count and
    standing ("overdue": an invoice is overdue; "open": an invoice waits for its money; "good")."""
    with unit_of_work() as session:
        found = customers.customers_after(
            session, token_scope(principal), token_actor(request, principal), search,
            limit=limit, starting_after=starting_after,
        )  # fmt: skip
    return Page.of(found)


@router.get("/customers/{customer_id}", summary="Get a customer")
def get_customer(customer_id: Id, request: Request, principal: TokenPrincipal) -> CustomerFile:
    """The billing profile, members, subscriptions, newest invoices and standing: per currency the
    gross of the paid invoices, the open balance and how many invoices are overdue."""
    with unit_of_work() as session:
        return customers.customer_file(
            session, token_scope(principal), token_actor(request, principal), customer_id
        )


@router.get("/subscriptions", summary="List every subscription")
def list_all_subscriptions(
    request: Request,
    principal: TokenPrincipal,
    status: Annotated[SubscriptionStatus | None, Query(description="Only this status")] = None,
    plan_id: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="Only this plan")] = None,
    customer: CustomerSearch = "",
    limit: Limit = 50,
    starting_after: StartingAfter = None,
) -> Page[SubscriptionView]:
    """Every subscription of the tenant, filtered by status, plan and customer, oldest first."""
    wanted = admin_subscriptions.checked_filter(status.value if status else "", plan_id, customer)
    with unit_of_work() as session:
        found = admin_subscriptions.subscriptions_after(
            session, token_scope(principal), token_actor(request, principal), wanted,
            limit=limit, starting_after=starting_after,
        )  # fmt: skip
    return Page.of(found)
