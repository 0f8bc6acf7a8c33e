"""The demo's shared sign-in secrets, printed on screen and in the README on purpose. They live
apart from load.py so that each loader can use them without importing the module that runs it."""

DEMO_PASSWORD = "gonghui-demo"  # noqa: S105 — printed on screen for the demo on purpose
# Every demo staff account and the operator have two-factor sign-in on with this authenticator
# key (printed on start and in the README), so one entry in an authenticator app serves all.
DEMO_TOTP_SECRET = "GONGHUIDEMOGONGHUIDEMOGONGHUIDEM"  # noqa: S105 — printed on purpose
DEMO_WORKER_MOBILE = "13800138000"
