"""Production refuses the senders that do not send text messages, and `gonghui check
--deploy` names every unsafe setting with an id of its own."""

from gonghui.core.tests.test_settings import _production_env, _run


def test_production_refuses_the_console_sender(tmp_path):
    env = {**_production_env(tmp_path), "GONGHUI_SMS_SENDER": "gonghui.core.sms.ConsoleSmsSender"}
    result = _run(env, "check")
    assert result.returncode != 0
    assert (
        "GONGHUI_SMS_SENDER=gonghui.core.sms.ConsoleSmsSender does not send text messages"
        in result.stderr
    )


def test_production_refuses_the_memory_sender(tmp_path):
    env = {**_production_env(tmp_path), "GONGHUI_SMS_SENDER": "gonghui.core.sms.MemorySmsSender"}
    result = _run(env, "check")
    assert result.returncode != 0
    assert "does not send text messages" in result.stderr


def test_production_needs_an_sms_sender(tmp_path):
    env = _production_env(tmp_path)
    del env["GONGHUI_SMS_SENDER"]
    result = _run(env, "check")
    assert result.returncode != 0
    assert "Production mode needs GONGHUI_SMS_SENDER" in result.stderr


def test_a_sender_that_does_not_import_is_an_error(tmp_path):
    env = {**_production_env(tmp_path), "GONGHUI_SMS_SENDER": "gonghui.nowhere.Sender"}
    result = _run(env, "check")
    assert result.returncode != 0
    assert "(gonghui.E001) GONGHUI_SMS_SENDER 'gonghui.nowhere.Sender' cannot be imported" in (
        result.stderr
    )


def test_the_deploy_check_names_the_console_sender_and_demo_mode(tmp_path):
    result = _run({"GONGHUI_DATA_DIR": str(tmp_path), "GONGHUI_DEMO": "1"}, "check", "--deploy")
    output = result.stdout + result.stderr
    assert "?: (gonghui.W001) GONGHUI_SMS_SENDER is gonghui.core.sms.ConsoleSmsSender" in output
    assert "?: (gonghui.W002) GONGHUI_DEMO is on" in output


def test_bad_rate_limit_overrides_stop_start_up(tmp_path):
    result = _run(
        {"GONGHUI_DATA_DIR": str(tmp_path), "GONGHUI_RATE_LIMITS": "join.ip=lots"}, "check"
    )
    assert result.returncode != 0
    assert "GONGHUI_RATE_LIMITS: 'join.ip=lots' is not <known name>=<allowed>/<seconds>." in (
        result.stderr
    )
    result = _run({"GONGHUI_DATA_DIR": str(tmp_path), "GONGHUI_STAFF_IDLE_MINUTES": "0"}, "check")
    assert result.returncode != 0
    assert "GONGHUI_STAFF_IDLE_MINUTES must be a whole number of at least 1." in result.stderr
