"""A dispatch pass keeps one SMTP connection for its messages, and gets a fresh one when the server let go."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from scheduler_service.adapters.delivery import DeliveryFailed
from scheduler_service.adapters.smtp_sender import MESSAGES_PER_CONNECTION, SmtpSender
from tests.peers import MailServer


def message(n: int) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "care@clinic.test", f"patient{n}@example.org", f"Reminder {n}"
    mail.set_content("See you tomorrow at 9:00.")
    return mail


def test_the_messages_of_a_pass_share_one_connection_which_is_closed_at_the_end():
    with MailServer() as server:
        sender = SmtpSender("127.0.0.1", server.port)
        for n in range(5):
            sender.send(message(n))
        sender.close()

        assert [m["Subject"] for m in server.received()] == [f"Reminder {n}" for n in range(5)]
        assert len(set(server.peers)) == 1
        assert server.goodbyes == 1


def test_a_connection_the_server_dropped_is_replaced_before_the_next_message():
    server = MailServer().up()
    try:
        sender = SmtpSender("127.0.0.1", server.port)
        sender.send(message(1))
        server.down()  # the server goes away with the connection open, and comes back
        server.up()
        sender.send(message(2))
        sender.close()
    finally:
        server.down()

    assert [m["Subject"] for m in server.received()] == ["Reminder 1", "Reminder 2"]
    assert len(set(server.peers)) == 2


def test_a_long_pass_opens_a_fresh_connection_after_the_per_connection_limit():
    with MailServer() as server:
        sender = SmtpSender("127.0.0.1", server.port)
        for n in range(MESSAGES_PER_CONNECTION + 1):
            sender.send(message(n))
        sender.close()

        peers = server.peers
        assert len(peers) == MESSAGES_PER_CONNECTION + 1
        assert len(set(peers[:MESSAGES_PER_CONNECTION])) == 1 and peers[-1] != peers[0]
        assert server.goodbyes == 2


def test_a_server_that_is_down_fails_the_message_for_a_retry_and_the_next_one_connects_again():
    server = MailServer()
    sender = SmtpSender("127.0.0.1", server.port)

    with pytest.raises(DeliveryFailed) as failed:
        sender.send(message(1))
    assert not failed.value.permanent

    with server:
        sender.send(message(2))
        sender.close()
        assert [m["Subject"] for m in server.received()] == ["Reminder 2"]


def test_closing_without_a_connection_or_twice_is_harmless():
    with MailServer() as server:
        sender = SmtpSender("127.0.0.1", server.port)
        sender.close()
        sender.send(message(1))
        sender.close()
        sender.close()

        assert server.goodbyes == 1
