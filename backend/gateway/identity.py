"""Signing in, up and out, confirming an email address, resetting a forgotten password."""

from __future__ import annotations

from backend.audit import service as audit
from backend.db import unit_of_work
from backend.gateway.units import actor, throttle, unit_keeping
from backend.identity import auth, passwords, registration, sessions
from backend.identity.schemas import LoginTicket
from backend.integrations.mail import MailBatch
from backend.kit.errors import DomainError
from backend.kit.principals import RequestContext, SignedInUser
from backend.mail.tasks import send_account_mails
from backend.settings import get_settings
from backend.tenancy.service import scope_for_host


def sign_in(request: RequestContext, email: str, password: str) -> LoginTicket:
    """Check the credentials in the request's tenant and start a session; the ticket buys the cookie.

    Raises InvalidCredentials, AccountLocked, EmailNotConfirmed or TooManyAttempts.
    """
    settings = get_settings()
    with unit_keeping(DomainError) as session:
        scope = scope_for_host(session, request.host, settings)
        user = auth.authenticate(session, scope, email, password, throttle=throttle(), actor=actor(request))
        ticket = sessions.issue_ticket(
            session,
            scope,
            user,
            sessions.SessionPolicy.from_settings(settings),
            ip_address=request.ip_address,
            user_agent=request.user_agent,
        )
    return LoginTicket(ticket=ticket, home=user.role, user=user)


def current_user(request: RequestContext, session_token: str) -> SignedInUser | None:
    """The user of a session cookie, re-read on every protected load and event; None when it ended."""
    if not session_token:
        return None
    settings = get_settings()
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, settings)
        return sessions.resolve_session(
            session, scope, session_token, sessions.SessionPolicy.from_settings(settings)
        )


def sign_out(request: RequestContext, session_token: str) -> None:
    """Revoke the session of this cookie on the server (the cookie alone is then worthless)."""
    if not session_token:
        return
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, get_settings())
        user_id = sessions.end_session(session, scope, session_token)
        if user_id is not None:
            audit.record(
                session,
                scope,
                audit.Actor(user_id, request.ip_address),
                "auth.logout",
                object_type="user",
                object_id=user_id,
            )


def register(request: RequestContext, *, email: str, password: str, name: str) -> None:
    settings = get_settings()
    mail = MailBatch()
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, settings)
        registration.register(
            session,
            scope,
            settings,
            mail,
            email=email,
            password=password,
            name=name,
            throttle=throttle(),
            actor=actor(request),
        )
    send_account_mails(mail, settings)


def resend_confirmation(request: RequestContext, email: str) -> None:
    settings = get_settings()
    mail = MailBatch()
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, settings)
        registration.resend_confirmation(
            session, scope, settings, mail, email=email, throttle=throttle(), actor=actor(request)
        )
    send_account_mails(mail, settings)


def confirm_email(request: RequestContext, email: str, code: str) -> None:
    with unit_keeping(DomainError) as session:
        scope = scope_for_host(session, request.host, get_settings())
        registration.confirm_email(session, scope, email=email, code=code, actor=actor(request))


def request_password_reset(request: RequestContext, email: str) -> None:
    settings = get_settings()
    mail = MailBatch()
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, settings)
        passwords.request_password_reset(
            session, scope, settings, mail, email=email, throttle=throttle(), actor=actor(request)
        )
    send_account_mails(mail, settings)


def reset_password(request: RequestContext, token: str, new_password: str) -> str:
    """Returns the account's email, so the sign-in form can be filled in."""
    with unit_of_work() as session:
        scope = scope_for_host(session, request.host, get_settings())
        return passwords.reset_password(
            session,
            scope,
            token=token,
            new_password=new_password,
            throttle=throttle(),
            actor=actor(request),
        )
