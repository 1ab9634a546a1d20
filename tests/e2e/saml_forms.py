"""The HTML forms of SAML's HTTP-POST binding and careidd's role page, read as a browser would."""

import html.parser


class FormParser(html.parser.HTMLParser):
    """Collect the first form's action and its input name/value pairs."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attributes.get("action")
        elif tag == "input" and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""


def parse_form(text):
    """Return a FormParser fed with the page `text`."""
    form = FormParser()
    form.feed(text)
    return form
