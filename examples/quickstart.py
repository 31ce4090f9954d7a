"""Quick start: send on two channels, survive a provider failure, read a signed webhook.

Runs offline: the channels are omnilink.testing.FakeChannel instances, which behave like providers
(idempotency keys, signed webhooks) without a network. Swap in real channels for production.
"""

from __future__ import annotations

from omnilink import Client, Customer, Identifier, InboundMessage, Message, ProviderError, RetryPolicy
from omnilink.testing import FakeChannel


def main() -> None:
    sms = FakeChannel(name="sms")
    chat = FakeChannel(name="chat", kind="webchat")
    customer = Customer(
        display_name="Grace Hopper",
        identifiers=(Identifier.parse("+1 (415) 555-0134"), Identifier.parse("Grace.Hopper@Example.com")),
    )
    phone = customer.identifier("phone")
    assert phone is not None

    # The first attempt hits a provider outage; the client retries with the same idempotency key.
    sms.fail_next(ProviderError("503 from provider", provider="sms", status_code=503, retryable=True))
    with Client(channels=[sms, chat], retry=RetryPolicy(attempts=3, initial_backoff=0.01)) as client:
        result = client.send(Message(text="Your table for 2 is booked for 19:30."), to=phone, channel="sms")
        print(f"sms to {result.recipient}: {result.status.value} after {result.attempts} attempt(s)")

        # The customer answers; the provider posts a signed webhook.
        events = client.parse_webhook(
            "sms", sms.inbound_request(sender=phone.value, text="Make it 3 people?")
        )
        for event in events:
            if isinstance(event, InboundMessage):  # other events: delivery statuses, opt-outs
                print(f"{event.type} from {event.sender.value}: {event.message.text}")

    assert len(sms.sent) == 1, "the retried send was recorded once"


if __name__ == "__main__":
    main()
