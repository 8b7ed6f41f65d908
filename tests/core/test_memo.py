"""{% memo %}: a fragment is drawn once per set of values, never shown stale."""

from django.template import engines
from django.utils import translation

TEMPLATE = engines["django"].from_string(
    "{% load i18n memo %}{% memo value %}{% translate 'Money' %} {{ value }} {{ counter.next }}"
    "{% endmemo %}"
)


class Counter:
    def __init__(self) -> None:
        self.n = 0

    @property
    def next(self) -> int:
        self.n += 1
        return self.n


def test_a_fragment_is_drawn_once_per_value_and_language():
    counter = Counter()
    with translation.override("en"):
        first = TEMPLATE.render({"value": "a", "counter": counter})
        again = TEMPLATE.render({"value": "a", "counter": counter})
        other = TEMPLATE.render({"value": "b", "counter": counter})
    with translation.override("zh-hans"):
        chinese = TEMPLATE.render({"value": "a", "counter": counter})
        money = translation.gettext("Money")
    assert first == again == "Money a 1"  # drawn once, then copied
    assert other == "Money b 2"  # a new value is a new drawing
    assert chinese == f"{money} a 3" and money != "Money"  # the language is part of the key
    assert counter.n == 3


def test_unhashable_values_are_drawn_every_time():
    counter = Counter()
    for _ in range(2):
        TEMPLATE.render({"value": ["a"], "counter": counter})
    assert counter.n == 2
