"""The welcome email of §15: subject, HTML and plain-text bodies (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

SUBJECT = "Welcome to Cheatcode AI — Build Apps & Websites Seamlessly!"
CTA_URL = "https://www.trycheatcode.com/"
GITHUB_URL = "https://github.com/cheatcode-ai/cheatcode"
FEATURES = (
    (
        "Build Anything",
        "Describe the app or website you want and watch it come to life, from landing pages to full apps.",
    ),
    ("Seamless Development", "Edit, preview and deploy in one place: your code runs live in its own sandbox."),
    ("Intelligent Automation", "An AI agent that writes, runs and fixes code for you, step by step."),
)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


def render_welcome(name: str) -> RenderedEmail:
    features_html = "".join(
        f'<tr><td style="padding:8px 0"><strong>{escape(title)}</strong><br>{escape(body)}</td></tr>'
        for title, body in FEATURES
    )
    html = f"""<!DOCTYPE html>
<html><body style="font-family:Arial,sans-serif;color:#111;max-width:600px;margin:0 auto">
<h1>Welcome to Cheatcode AI, {escape(name)}!</h1>
<p>We're thrilled to have you on board. Cheatcode AI helps you build apps and websites seamlessly.</p>
<table>{features_html}</table>
<p>Cheatcode is open source: see the code, star it and contribute on
<a href="{GITHUB_URL}">GitHub</a>.</p>
<p><a href="{CTA_URL}" style="background:#111;color:#fff;padding:12px 20px;text-decoration:none;border-radius:6px">
Start building</a></p>
<p>Happy building,<br>The CheatCode AI Team</p>
</body></html>
"""
    features_text = "\n".join(f"* {title}: {body}" for title, body in FEATURES)
    text = f"""Welcome to Cheatcode AI, {name}!

We're thrilled to have you on board. Cheatcode AI helps you build apps and websites seamlessly.

{features_text}

Cheatcode is open source: see the code, star it and contribute on GitHub: {GITHUB_URL}

Start building: {CTA_URL}

Happy building,
The CheatCode AI Team
"""
    return RenderedEmail(subject=SUBJECT, html=html, text=text)
