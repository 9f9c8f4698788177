"""Password strength with the person's own details as context."""

from django_zxcvbn_password_validator import ZxcvbnPasswordValidator


class PersonalZxcvbnValidator(ZxcvbnPasswordValidator):
    """zxcvbn (PASSWORD_MINIMAL_STRENGTH), told the person's name and e-mail address.

    The library reads the user's attributes from `user.__dict__`, which is empty of them when
    the user is request.user (a lazy object): allauth's change-password form passes exactly
    that. Read the attributes themselves instead."""

    def _get_user_inputs(self, user):
        inputs = super()._get_user_inputs(None)  # the project-wide extra dictionary
        if user is not None:
            email = getattr(user, "email", "") or ""
            for value in (
                getattr(user, "first_name", ""),
                getattr(user, "last_name", ""),
                email,
                email.partition("@")[0],
            ):
                if value:
                    inputs.append(value)
        return inputs
