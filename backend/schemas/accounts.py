"""What pages receive about the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SignedInUser:
    user_id: int
    tenant_id: int
    email: str
    display_name: str
    role: str  # "customer" or "admin"
    token_version: int
    customer_account_id: int | None  # the customer account the user acts for (None for pure admins)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
