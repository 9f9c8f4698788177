from django import template
from django.utils import timezone

from referrals.rules import age_on

register = template.Library()


@register.filter
def age(date_of_birth):
    """Age today, in years."""
    return age_on(date_of_birth, timezone.localdate()) if date_of_birth else ""
