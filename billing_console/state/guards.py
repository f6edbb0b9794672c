"""Decorators for event handlers that only a signed-in user, or only an admin, may run.

Any handler can be called over the websocket by anyone, whatever the page shows, so every protected
handler re-reads the user on the server first. The decorated handler receives that user as its
argument after `self`; everyone else gets a redirect and the handler's body never runs:

    @rx.event
    @signed_in
    async def revoke_token(self, user: SignedInUser, token_id: int) -> AsyncIterator[EventSpec | None]:

Reflex reads a handler's arguments from its signature, so the wrapper shows the signature without
the user: the browser never sends it. The wrapper is an async generator whatever the handler is.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

import reflex as rx
from reflex.event import EventSpec

from backend.kit.principals import SignedInUser
from billing_console.routes import DASHBOARD, LOGIN
from billing_console.state.session import signed_in_user

StateT = TypeVar("StateT", bound=rx.State)
P = ParamSpec("P")
Updates = AsyncIterator[EventSpec | None]
# A handler body: an async generator (Reflex sends each yield) or a coroutine (sent when it returns).
Body = Updates | Awaitable[EventSpec | None]
Handler = Callable[Concatenate[StateT, P], Updates]
BodyHandler = Callable[Concatenate[StateT, P], Body]
UserHandler = Callable[Concatenate[StateT, SignedInUser, P], Body]
UserCheck = Callable[[rx.State], Awaitable[SignedInUser | EventSpec]]


async def user_or_redirect(state: rx.State) -> SignedInUser | EventSpec:
    """The signed-in user, or the redirect to the sign-in page."""
    user = await signed_in_user(state)
    return rx.redirect(LOGIN) if user is None else user


async def admin_or_redirect(state: rx.State) -> SignedInUser | EventSpec:
    """The signed-in admin, or the redirect for everyone else: to sign in, or to the customer dashboard.

    Every admin handler calls this first: hiding the navigation is not protection.
    """
    user = await user_or_redirect(state)
    if isinstance(user, SignedInUser) and not user.is_admin:
        return rx.redirect(DASHBOARD)
    return user


def _without_user(handler: Callable[..., object], wrapper: Callable[..., Updates]) -> None:
    """Show Reflex the handler's signature and type hints minus the injected user (2nd parameter)."""
    parameters = list(inspect.signature(handler).parameters.values())
    user_parameter = parameters.pop(1)
    wrapper.__signature__ = inspect.signature(handler).replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {
        name: hint for name, hint in handler.__annotations__.items() if name != user_parameter.name
    }


async def _updates(body: Body) -> Updates:
    """What Reflex sends for a handler body, as one async generator whatever kind the body is."""
    if inspect.isasyncgen(body):
        async for update in body:
            yield update
    else:
        yield await body


def _guard(handler: UserHandler[StateT, P], check: UserCheck) -> Handler[StateT, P]:
    @functools.wraps(handler)
    async def guarded(self: StateT, *args: P.args, **kwargs: P.kwargs) -> Updates:
        user = await check(self)
        if not isinstance(user, SignedInUser):
            yield user
            return
        async for update in _updates(handler(self, user, *args, **kwargs)):
            yield update

    _without_user(handler, guarded)
    return guarded


def signed_in(handler: UserHandler[StateT, P]) -> Handler[StateT, P]:
    """Run the handler for a signed-in user only; anyone else is sent to sign in."""
    return _guard(handler, user_or_redirect)


def admin_only(handler: UserHandler[StateT, P]) -> Handler[StateT, P]:
    """Run the handler for an admin only; customers are sent to their dashboard, strangers to sign in."""
    return _guard(handler, admin_or_redirect)


def starts_from_defaults(handler: BodyHandler[StateT, P]) -> Handler[StateT, P]:
    """A page load first resets its state and sends that (its skeletons show), then does the rest.

    Put it above `signed_in` / `admin_only`, so the skeletons show while the user is checked.
    """

    @functools.wraps(handler)
    async def from_defaults(self: StateT, *args: P.args, **kwargs: P.kwargs) -> Updates:
        self.reset()
        yield
        async for update in _updates(handler(self, *args, **kwargs)):
            yield update

    return from_defaults
