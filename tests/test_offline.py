"""digestbot ask / shell: the same handlers and rendering, offline."""

from __future__ import annotations

import json

from bot.cli import main


def test_ask_json_prints_the_messages_the_bot_would_send(cli_db: str, capsys) -> None:
    assert main(["--db", cli_db, "ask", "/search 红包", "--json", "--user-id", "7"]) == 0
    (message,) = json.loads(capsys.readouterr().out)
    assert set(message) == {"chat_id", "text", "parse_mode", "reply_markup"}
    assert message["chat_id"] == 7 and message["parse_mode"] == "HTML"
    assert "红包</b> · 共 6 条" in message["text"]
    assert message["reply_markup"]["inline_keyboard"][0][0]["text"] == "下一页 ▶"


def test_ask_admin_command_depends_on_user(cli_db: str, capsys, monkeypatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "99")
    assert main(["--db", cli_db, "ask", "/stats", "--json", "--user-id", "5"]) == 0
    assert "仅限管理员" in json.loads(capsys.readouterr().out)[0]["text"]
    assert main(["--db", cli_db, "ask", "/stats", "--json"]) == 0
    assert "日报：5 期，62 条" in json.loads(capsys.readouterr().out)[0]["text"]


def test_shell_answers_each_line(cli_db: str, capsys, monkeypatch) -> None:
    lines = iter(["/what 千问", "/latest", ""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    assert main(["--db", cli_db, "shell"]) == 0
    out = capsys.readouterr().out
    assert "千问</b> 的事件时间线" in out and "共 12 条" in out


def test_ask_in_english_and_lang_is_remembered(cli_db: str, capsys) -> None:
    assert main(["--db", cli_db, "ask", "/search 红包", "--json", "--lang", "en", "--user-id", "7"]) == 0
    (message,) = json.loads(capsys.readouterr().out)
    assert "红包</b> · 6 items · page 1/2" in message["text"]
    assert message["reply_markup"]["inline_keyboard"][0][0]["text"] == "Next ▶"
    assert main(["--db", cli_db, "ask", "/lang zh", "--json", "--lang", "en", "--user-id", "7"]) == 0
    assert "中文" in json.loads(capsys.readouterr().out)[0]["text"]
    assert main(["--db", cli_db, "ask", "/help", "--json", "--lang", "en", "--user-id", "7"]) == 0
    assert "查看帮助" in json.loads(capsys.readouterr().out)[0]["text"]  # the choice wins


def test_ask_without_a_slash_answers_as_the_bot_answers_a_private_message(cli_db: str,
                                                                          capsys) -> None:
    from bot.config import load_settings
    from bot.i18n import translations
    from bot.render.ask import answer_replies
    from handlers.ask import ask_text
    from handlers.common import today_in_zone
    from storage.backend import open_db

    assert main(["--db", cli_db, "ask", "阶跃星辰融资", "--json", "--user-id", "7"]) == 0
    (message,) = json.loads(capsys.readouterr().out)
    assert "按：投融资 · 阶跃星辰 · 4 条" in message["text"]
    with open_db(cli_db) as db:
        asked = ask_text(db, "阶跃星辰融资", today_in_zone(load_settings()))
    (expected,) = answer_replies(translations("zh"), asked.answer, asked.query_id, 0, "", "",
                                 asked.text)
    assert message["text"] == expected.text
    assert message["reply_markup"] == expected.keyboard.to_dict()
