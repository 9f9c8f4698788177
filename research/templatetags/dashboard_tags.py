from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def figure_cells(cells):
    """The <td> of one row of a figure's data table, composed in Python: a province-wide
    dashboard has about 1,500 cells, and the template engine spent 15 ms on them."""
    return format_html_join(
        "",
        '<td class="text-end{}"{}>{}{}</td>',
        (
            (
                " cell-hidden" if c.hidden else "",
                format_html(' title="{}"', c.note) if c.note else "",
                c.text,
                format_html('<span class="visually-hidden"> ({})</span>', c.note) if c.note else "",
            )
            for c in cells
        ),
    )
