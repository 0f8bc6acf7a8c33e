import pytest

from gonghui.benefits.tests.factories import make_account, make_offer, make_provider, make_service


@pytest.fixture
def provider(tree, operator):
    return make_provider(operator, tree.zgc)


@pytest.fixture
def service(provider, operator):
    return make_service(operator, provider)


@pytest.fixture
def offer(service, operator):
    return make_offer(operator, service)


@pytest.fixture
def account(provider, operator):
    return make_account(operator, provider)


@pytest.fixture
def in_english(settings):
    """Make a client's requests come in English (the pages and API follow the language
    cookie), so that asserted texts do not change when the Chinese catalog grows."""

    def switch(client):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return switch
