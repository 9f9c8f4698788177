"""What each role's home page counts: figures that link to the list behind them.

The core knows no referral or follow-up. The apps above register, in their AppConfig.ready(), a
function per role that returns its tallies for the person asking; the home page calls them. The
lower app asks, nothing is imported upwards (docs/architecture.md).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from spheres.models import Role, User


@dataclass(frozen=True)
class Tally:
    """One figure on a home page. `rows` break it down (name, count, url), e.g. by worker.
    `attention`: a non-zero count is something to act on."""

    label: str
    count: int
    url: str
    attention: bool = False
    rows: list[tuple[str, int, str]] = field(default_factory=list)


Provider = Callable[[User], list[Tally]]
_PROVIDERS: dict[str, list[tuple[str, Provider]]] = defaultdict(list)


def register(role: str, provider: Provider) -> None:
    """Called from an app's ready(); registering the same function twice has no effect."""
    key = f"{provider.__module__}.{provider.__qualname__}"
    if key not in {k for k, _p in _PROVIDERS[role]}:
        _PROVIDERS[role].append((key, provider))


def tallies_for(user: User, role: str) -> list[Tally]:
    assert role in Role.values
    return [tally for _key, provider in _PROVIDERS[role] for tally in provider(user)]
