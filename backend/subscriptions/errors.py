"""Why a subscription step is refused: one named error per rule, each with the message a customer
reads. Every one is a `SubscriptionError` (catching the family catches them all) and a kit base
that gives its HTTP status: `ValidationFailed` for a choice the rules do not allow (422),
`Conflict` for a step the subscription's state does not allow (409).
"""

from __future__ import annotations

from datetime import date

from backend.kit.errors import Conflict, DomainError, ValidationFailed


class SubscriptionError(DomainError):
    """A lifecycle step the subscription's state or terms do not allow."""

    family = "SubscriptionError"


def _day(on: date | None) -> str:
    return on.isoformat() if on else "?"


# --- ordering ---------------------------------------------------------------------------------


class BillingProfileMissing(SubscriptionError, Conflict):
    def __init__(self) -> None:
        super().__init__("Please complete your billing profile before ordering.")


class PlanNotAvailable(SubscriptionError, ValidationFailed):
    def __init__(self, plan: str) -> None:
        self.plan = plan
        super().__init__(f"The plan {plan} is no longer available.")


class UnknownOption(SubscriptionError, ValidationFailed):
    def __init__(self, plan: str, option: str) -> None:
        self.plan, self.option = plan, option
        super().__init__(f"The plan {plan} has no option {option!r}.")


class OptionValueNotAvailable(SubscriptionError, ValidationFailed):
    def __init__(self, option: str, value: object, choices: list[object]) -> None:
        self.option, self.value = option, value
        listed = ", ".join(str(choice) for choice in choices)
        super().__init__(f"{value!r} is not available for {option}; choose one of: {listed}.")


class AddonNotAvailable(SubscriptionError, ValidationFailed):
    def __init__(self, addon: str, plan: str) -> None:
        self.addon, self.plan = addon, plan
        super().__init__(f"The addon {addon} is not available with {plan}.")


class AddonQuantityTooLow(SubscriptionError, ValidationFailed):
    def __init__(self, addon: str) -> None:
        self.addon = addon
        super().__init__(f"Choose at least one {addon}.")


class AddonCurrencyMismatch(SubscriptionError, ValidationFailed):
    def __init__(self, addon: str, plan: str) -> None:
        self.addon, self.plan = addon, plan
        super().__init__(f"The addon {addon} is priced in another currency than {plan}.")


class PromotionCodeRefused(SubscriptionError, ValidationFailed):
    """A promotion code the order cannot use; the subclasses say why."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class PromotionCodeInvalid(PromotionCodeRefused):
    """Unknown, inactive, or of another tenant: the customer cannot tell which."""

    def __init__(self, code: str) -> None:
        super().__init__(code, f"The promotion code {code} is not valid.")


class PromotionNotValidYet(PromotionCodeRefused):
    def __init__(self, code: str) -> None:
        super().__init__(code, f"The promotion code {code} is not valid yet.")


class PromotionExpired(PromotionCodeRefused):
    def __init__(self, code: str) -> None:
        super().__init__(code, f"The promotion code {code} has expired.")


class PromotionNotForPlan(PromotionCodeRefused):
    def __init__(self, code: str, plan: str) -> None:
        super().__init__(code, f"The promotion code {code} does not apply to {plan}.")


class PromotionNotForCurrency(PromotionCodeRefused):
    def __init__(self, code: str, currency: str) -> None:
        super().__init__(code, f"The promotion code {code} does not apply to prices in {currency}.")


class PromotionUsedUp(PromotionCodeRefused):
    def __init__(self, code: str) -> None:
        super().__init__(code, f"The promotion code {code} has been used up.")


class PromotionAlreadyUsed(PromotionCodeRefused):
    def __init__(self, code: str) -> None:
        super().__init__(code, f"You have already used the promotion code {code}.")


class PromotionForNewCustomersOnly(PromotionCodeRefused):
    def __init__(self, code: str) -> None:
        super().__init__(code, f"The promotion code {code} is for new customers only.")


class PromotionForExistingCustomersOnly(PromotionCodeRefused):
    def __init__(self, code: str) -> None:
        super().__init__(code, f"The promotion code {code} is for existing customers only.")


# --- plan changes -----------------------------------------------------------------------------


class PlanChangeWhileCanceling(SubscriptionError, Conflict):
    def __init__(self) -> None:
        super().__init__("This subscription is being canceled; resume it before changing its plan.")


class SubscriptionNotChangeable(SubscriptionError, Conflict):
    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(f"A {status} subscription cannot change its plan.")


class AlreadyOnPlan(SubscriptionError, Conflict):
    def __init__(self, plan: str) -> None:
        self.plan = plan
        super().__init__(f"You are already on {plan}.")


class PlanCurrencyMismatch(SubscriptionError, ValidationFailed):
    def __init__(self, plan: str, plan_currency: str, currency: str) -> None:
        self.plan = plan
        super().__init__(f"{plan} is priced in {plan_currency}, your subscription in {currency}.")


class AddonNotInPlan(SubscriptionError, Conflict):
    def __init__(self, plan: str, addon: str) -> None:
        self.plan, self.addon = plan, addon
        super().__init__(f"{plan} does not include the addon {addon}; remove it first.")


# --- addons on a running subscription ----------------------------------------------------------


class AddonsNotChangeable(SubscriptionError, Conflict):
    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(f"The addons of a {status} subscription cannot be changed.")


class AddonWhileCanceling(SubscriptionError, Conflict):
    def __init__(self) -> None:
        super().__init__("This subscription is being canceled; resume it before adding an addon.")


class AddonAlreadyAttached(SubscriptionError, Conflict):
    def __init__(self, addon: str) -> None:
        self.addon = addon
        super().__init__(f"{addon} is already part of this subscription.")


class AddonNotAttached(SubscriptionError, Conflict):
    def __init__(self, addon: str) -> None:
        self.addon = addon
        super().__init__(f"{addon} is not part of this subscription.")


class AddonQuantityOutOfRange(SubscriptionError, ValidationFailed):
    def __init__(self, addon: str, maximum: int) -> None:
        self.addon, self.maximum = addon, maximum
        super().__init__(f"Choose between 1 and {maximum} of {addon}.")


# --- cancel, resume, withdraw, dunning --------------------------------------------------------


class SubscriptionAlreadyEnding(SubscriptionError, Conflict):
    def __init__(self, ends_on: date | None) -> None:
        self.ends_on = ends_on
        super().__init__(f"This subscription already ends on {_day(ends_on)}.")


class SubscriptionNotCancelable(SubscriptionError, Conflict):
    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(f"A {status} subscription cannot be canceled.")


class CommitmentNotOver(SubscriptionError, Conflict):
    def __init__(self, ends_on: date) -> None:
        self.ends_on = ends_on
        super().__init__(f"Your plan has a minimum term until {_day(ends_on)}; you can cancel from then on.")


class SubscriptionNotCanceling(SubscriptionError, Conflict):
    def __init__(self) -> None:
        super().__init__("Only a subscription that is being canceled can be resumed.")


class CancellationInEffect(SubscriptionError, Conflict):
    def __init__(self) -> None:
        super().__init__("This cancellation has already taken effect.")


class SubscriptionAlreadyCanceled(SubscriptionError, Conflict):
    def __init__(self) -> None:
        super().__init__("This subscription is already canceled.")


class WithdrawalForConsumersOnly(SubscriptionError, Conflict):
    def __init__(self) -> None:
        super().__init__("The right of withdrawal applies to consumers only.")


class WithdrawalInEuOnly(SubscriptionError, Conflict):
    def __init__(self, country: str) -> None:
        self.country = country
        super().__init__(
            "The statutory right of withdrawal applies to consumers in the EU; "
            f"your billing address is in {country}."
        )


class SubscriptionAlreadyEnded(SubscriptionError, Conflict):
    def __init__(self) -> None:
        super().__init__("This subscription has already ended.")


class WithdrawalPeriodOver(SubscriptionError, Conflict):
    def __init__(self, ended_on: date) -> None:
        self.ended_on = ended_on
        super().__init__(f"The withdrawal period ended on {_day(ended_on)}.")


class CannotBecomePastDue(SubscriptionError, Conflict):
    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(f"A {status} subscription cannot become past due.")


class SubscriptionNotPastDue(SubscriptionError, Conflict):
    def __init__(self) -> None:
        super().__init__("Only a past-due subscription can be reinstated.")
