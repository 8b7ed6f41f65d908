"""``{% memo a b … %}…{% endmemo %}``: a fragment drawn once per process for each
set of values it is drawn from, then copied.

Content-addressed, so never stale: the key is the fragment, the page's language
and the values named in the tag, and a fragment may read nothing else that
changes (no request, user, CSRF token or clock; URLs and translations are fixed
for a process). A change in any named value is a new key. Unhashable values
draw the fragment as usual. The cache is per process and bounded (least
recently used out first), so nothing needs clearing.

Used where a page repeats costly, rarely changing fragments on every visit: the
navigation (per path) and each person's year at a glance (per figures)."""

import itertools
import threading
from collections import OrderedDict

from django import template
from django.utils import translation

register = template.Library()

SIZE = 4096
_drawn: OrderedDict = OrderedDict()
_lock = threading.Lock()
# Each {% memo %} in each compiled template: a number never reused in the process
# (id() may be, once a template reloaded in development is freed).
_fragments = itertools.count()


class MemoNode(template.Node):
    def __init__(self, nodelist, values):
        self.nodelist = nodelist
        self.values = values
        self.fragment = next(_fragments)

    def render(self, context):
        key = (
            self.fragment,
            translation.get_language(),
            *(v.resolve(context) for v in self.values),
        )
        try:
            hash(key)
        except TypeError:
            return self.nodelist.render(context)
        with _lock:
            drawn = _drawn.get(key)
            if drawn is not None:
                _drawn.move_to_end(key)
                return drawn
        drawn = self.nodelist.render(context)
        with _lock:
            _drawn[key] = drawn
            if len(_drawn) > SIZE:
                _drawn.popitem(last=False)
        return drawn


@register.tag
def memo(parser, token):
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, values)
