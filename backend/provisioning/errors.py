"""What a customer or admin is told when a server operation is refused."""

from __future__ import annotations

from backend.kit.errors import Conflict, DomainError


class ProvisioningError(DomainError):
    family = "ProvisioningError"


class ServerUnavailable(ProvisioningError):
    """The provider cannot create the ordered server now, and the order did not accept a backorder."""

    http_status = 409

    def __init__(self, reason: str, alternatives: str = "") -> None:
        message = f"This server cannot be created right now: {reason}."
        if alternatives:
            message += f" Available instead: {alternatives}."
        message += " You may order it as a backorder: it is created (and billed) once capacity is back."
        super().__init__(message)


class ServerNotOperable(ProvisioningError):
    http_status = 409

    def __init__(self, hostname: str, why: str) -> None:
        super().__init__(f"Server {hostname} cannot do that now: {why}.")


class UnknownServerAction(ProvisioningError):
    def __init__(self, action: str) -> None:
        super().__init__(f"Unknown server action {action!r}: use start, stop or reboot.")


class KeyAlreadyRevealed(Conflict):
    family = "ProvisioningError"

    def __init__(self, hostname: str) -> None:
        super().__init__(
            f"The SSH key of {hostname} was already revealed once and is not shown again; "
            "add a key of your own on the server instead."
        )


class NoKeyToReveal(ProvisioningError):
    http_status = 409

    def __init__(self, hostname: str) -> None:
        super().__init__(f"Server {hostname} has no SSH key to reveal.")


class NotRetryable(ProvisioningError):
    http_status = 409

    def __init__(self, hostname: str) -> None:
        super().__init__(f"Server {hostname} did not fail; only failed servers are retried.")


class BackorderNotOpen(ProvisioningError):
    http_status = 409

    def __init__(self) -> None:
        super().__init__("This backorder is no longer open (fulfilled or canceled).")


class BadHostname(ProvisioningError):
    def __init__(self, hostname: str) -> None:
        super().__init__(
            f"Hostname {hostname!r} is not valid: use 1–63 letters, digits and hyphens, "
            "not starting or ending with a hyphen."
        )


class HostnameTaken(ProvisioningError):
    http_status = 409

    def __init__(self, hostname: str) -> None:
        super().__init__(f"Hostname {hostname} is in use by another server; choose another one.")
