"""A stand-in for an SMS gateway's sender class in production-mode subprocess tests: the
gateway is an edge, and production refuses the two senders that do not send."""


class GatewaySmsSender:
    def send(self, *, mobile: str, text: str) -> None:
        """A real gateway would deliver the text; the tests never send one."""
