"""Figures on the home page: counts that need attention, each linking to the list behind it.

They reach the home page like every other block an app above the core puts there: a Panel
registered with spheres.navigation.home_panel_register from the app's AppConfig.ready().
`figures_panel(provider)` is that Panel, shown with the core's template; `provider(user)` returns
the figures for the person asking. Nothing is imported upwards (docs/architecture.md).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from spheres.models import User
from spheres.navigation import Panel


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


@dataclass(frozen=True)
class _Figures:
    # A dataclass rather than a closure: two panels for the same provider compare equal, so
    # registering twice (ready() run again) shows the figures once.
    provider: Provider

    def __call__(self, user: User) -> dict | None:
        tallies = self.provider(user)
        return {"tallies": tallies} if tallies else None


def figures_panel(provider: Provider) -> Panel:
    return Panel("spheres/_figures.html", _Figures(provider))
