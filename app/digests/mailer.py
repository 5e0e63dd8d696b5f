"""Build and send a digest message: multipart/alternative text + HTML, images by Content-ID.

Mail clients do not render SVG, so charts travel as PNG parts of a multipart/related body and
the HTML refers to them with ``cid:`` URLs.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from app.settings import Settings


@dataclass(frozen=True)
class InlineImage:
    cid: str  # without angle brackets, e.g. "chart-burnup@trainyard"
    png: bytes
    filename: str


def build_message(
    sender: str,
    recipients: list[str],
    subject: str,
    text: str,
    html: str,
    images: list[InlineImage],
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="trainyard")
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    html_part = msg.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)
    for image in images:
        html_part.add_related(
            image.png,
            maintype="image",
            subtype="png",
            cid=f"<{image.cid}>",
            filename=image.filename,
            disposition="inline",
        )
    return msg


def send(settings: Settings, msg: EmailMessage) -> None:
    """Send over SMTP, with STARTTLS and login when configured."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        smtp.send_message(msg)
