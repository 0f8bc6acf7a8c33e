"""The SMS sender of benchmark deployments: a production server refuses the development
senders, and a benchmark measures the server, not an SMS gateway, so texts are dropped."""


class DroppingSmsSender:
    def send(self, *, mobile: str, text: str) -> None:
        """Texts (sign-in codes, status links) go nowhere: not to a gateway, not to a log."""
