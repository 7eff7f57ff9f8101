import pytest

from bot.config import ConfigError, load_settings
from bot.links import day_url, item_url, search_url, week_url, what_url

BASE = "https://digest.example.org"


def test_links_are_empty_without_a_site():
    assert day_url("", "2026-01-02") == item_url("", 1) == search_url("", "红包") == ""
    assert what_url("", "x") == week_url("", "2026-01-02") == ""


def test_links_encode_chinese_and_reserved_characters():
    assert day_url(BASE, "2026-01-02") == f"{BASE}/d/2026-01-02"
    assert item_url(BASE, 739618003) == f"{BASE}/item/739618003"
    assert search_url(BASE, "红包 -文心", "投融资") == (
        f"{BASE}/search?q=%E7%BA%A2%E5%8C%85+-%E6%96%87%E5%BF%83&category=%E6%8A%95%E8%9E%8D%E8%B5%84")
    assert what_url(BASE, "a/b?c") == f"{BASE}/what/a%2Fb%3Fc"
    assert week_url(BASE, "2026-01-02") == f"{BASE}/week/2026-01-02"


def test_web_url_setting_is_validated_and_loses_its_trailing_slash():
    assert load_settings({"WEB_URL": BASE + "/"}, env_file=None).web_url == BASE
    assert load_settings({}, env_file=None).web_url == ""
    with pytest.raises(ConfigError, match="WEB_URL"):
        load_settings({"WEB_URL": "digest.example.org"}, env_file=None)
