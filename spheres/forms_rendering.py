"""Every form renders the same accessible way: Bootstrap classes on widgets, errors and help text
tied to their field (Django 5.2 adds aria-describedby and aria-invalid)."""

from django.forms import BoundField, CheckboxInput, CheckboxSelectMultiple, RadioSelect, Select
from django.forms.renderers import TemplatesSetting


class SpheresBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(widget, CheckboxSelectMultiple | RadioSelect):
            return attrs  # the container; each option gets form-check-input in its own template
        if isinstance(widget, CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, Select):
            css = "form-select"
        else:
            css = "form-control"
        if self.errors:
            css += " is-invalid"
        attrs["class"] = f"{attrs.get('class', '')} {css}".strip()
        return attrs


class SpheresFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = SpheresBoundField
