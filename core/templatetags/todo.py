"""``{% todo_items as items %}``: the administrators' to-do list (core/todo.py)
for the user of the page, on the admin's first screen."""

from django import template

from core import todo

register = template.Library()


@register.simple_tag(takes_context=True)
def todo_items(context) -> list[todo.Item]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_staff:
        return []
    return todo.items(user=user)
