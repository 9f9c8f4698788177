from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created by invitation only (an administrator or the coordinator).
        return False


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
