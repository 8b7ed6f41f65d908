"""Which status may become which: each model with a status declares its ``flow``
(core.transitions changes a row along it). A module of its own, importing no
model and no audit code, so models can declare flows without importing the
writers of their audit rows."""

from collections.abc import Iterable, Mapping


class Flow:
    """The status changes a model allows: ``{from: (to, ...)}`` on ``field``."""

    def __init__(self, edges: Mapping[str, Iterable[str]], *, field: str = "status") -> None:
        self.field = field
        self.edges = {
            str(source): frozenset(map(str, targets)) for source, targets in edges.items()
        }

    def allows(self, current: str, to: str) -> bool:
        return str(to) in self.edges.get(str(current), ())

    def sources(self, to: str) -> tuple[str, ...]:
        """The statuses that may become `to` (sorted: a fixed SQL text)."""
        return tuple(sorted(s for s, targets in self.edges.items() if str(to) in targets))

    @property
    def states(self) -> frozenset[str]:
        return frozenset(self.edges).union(*self.edges.values())
