"""What the customers' REST routes take and answer: the billing profile (profiles.py owns its
input and view) and the account's members and invitations."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from backend.models import MemberRole


class MemberOut(BaseModel):
    id: int = Field(description="The membership's id (the path of PATCH/DELETE /members/{member_id})")
    user_id: int
    email: str
    name: str
    role: MemberRole
    since: datetime


class InvitationOut(BaseModel):
    id: int
    email: str
    role: MemberRole
    invited_at: datetime
    expires_at: datetime = Field(description="7 days after the invitation; the link works once")


class MembersOut(BaseModel):
    customer_account_id: int
    members: list[MemberOut]
    invitations: list[InvitationOut] = Field(description="Pending: not accepted, revoked or expired")


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(max_length=254, description="Who is invited; the link is mailed there")
    role: MemberRole = MemberRole.VIEWER


class MemberRoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: MemberRole
