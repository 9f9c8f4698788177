from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from spheres import ratelimit


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_slowed_down": _(
            "Several sign-in attempts failed for this account: wait half a minute, then try again."
        ),
    }

    def is_open_for_signup(self, request):
        # Accounts are created by invitation only (an administrator or the coordinator).
        return False

    def send_mail(self, template_prefix, email, context):
        # Rendered and sent by the worker after commit: a request for a known address must take
        # as long as one for an unknown address (spheres.account_mail).
        from spheres import account_mail

        account_mail.queue(template_prefix, email, context)

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth keys its per-key `login_failed` limit on the e-mail alone, so five failures from
        # anywhere lock the owner out; ours is the account *and* the client address.
        return ratelimit.account_and_address_key(request, credentials)

    def pre_authenticate(self, request, **credentials):
        if ratelimit.account_is_slowed_down(request, credentials):
            raise self.validation_error("account_slowed_down")
        super().pre_authenticate(request, **credentials)

    def authentication_failed(self, request, **credentials):
        ratelimit.record_account_failure(request, credentials)


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in settings.SPHERES_MFA_ENCRYPTION_KEYS])


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets are encrypted at rest with a key that is not in the database."""

    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        try:
            return _fernet().decrypt(encrypted_text.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("TOTP secret cannot be decrypted with the configured keys") from exc
