"""What the signed-out forms share (sign in, sign up, confirm, forgot and reset the password).

Each form shows the refusal of its last submit, a notice about what happened, and a busy submit
button while the server works; the states mix this in instead of repeating it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import reflex as rx

from backend.kit.errors import DomainError

P = ParamSpec("P")
T = TypeVar("T")


class AuthFormState(rx.State, mixin=True):
    """Error, notice and progress of one signed-out form; passwords are never stored in the state."""

    error: str = ""
    notice: str = ""
    submitting: bool = False

    def _clear_form(self) -> None:
        """A page load shows the form without the last refusal, notice or progress."""
        self.error = ""
        self.notice = ""
        self.submitting = False

    def _begin_submit(self) -> None:
        """The last refusal goes and the submit button turns busy (yield next, so the browser sees it)."""
        self.error = ""
        self.submitting = True

    async def _submit(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | DomainError:
        """Run a gateway call in a worker thread; a refusal becomes the form's error and is returned.

        The submit button is no longer busy afterwards, whatever the answer.
        """
        try:
            return await asyncio.to_thread(call, *args, **kwargs)
        except DomainError as exc:
            self.error = str(exc)
            return exc
        finally:
            self.submitting = False
