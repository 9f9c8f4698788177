"""Program figures on Steering, Joint and Extended agendas.

The figures come from the dashboards, which are built in research/. research sits ABOVE
committees in the import order, so committees must never import it. Instead research registers
a provider here from its AppConfig.ready() (research/agenda.py):

    from committees import figures
    figures.register(lambda *, meeting: [(label, value), ...])

A provider receives the meeting and returns (label, value) pairs of program-level aggregates —
never a name, a youth ID or anything about one person. Until a provider is registered, the
agenda's "Program figures" section says that the figures will appear there (the committees
app on its own, without research).
"""

from collections.abc import Callable

Provider = Callable[..., list[tuple[str, str]]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def program_figures(meeting) -> list[tuple[str, str]] | None:
    """The figures for this meeting, or None while no provider is registered (placeholder)."""
    if not _providers:
        return None
    return [row for provider in _providers for row in provider(meeting=meeting)]
