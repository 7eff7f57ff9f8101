"""Tests proving that ``FakeBotAPI`` works against the real python-telegram-bot ``Bot``."""

from __future__ import annotations

import datetime as dtm
import json
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from . import fake_bot_api
from .fake_bot_api import FakeBotAPI

TOKEN = "123:TEST"


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    """A started fake server, stopped after the test."""
    with FakeBotAPI(token=TOKEN) as api:
        yield api


def make_bot(api: FakeBotAPI, token: str = TOKEN) -> Bot:
    """A real PTB Bot pointed at the fake server."""
    return Bot(token, base_url=api.base_url, base_file_url=api.base_file_url)


@pytest.mark.asyncio
async def test_get_me(fake_api: FakeBotAPI) -> None:
    async with make_bot(fake_api) as bot:
        me = await bot.get_me()
    assert me.is_bot
    assert me.username == "DigestTestBot"
    assert me.supports_inline_queries
    assert fake_api.calls("getMe")


@pytest.mark.asyncio
async def test_send_and_edit_message(fake_api: FakeBotAPI) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more:1")]])
    async with make_bot(fake_api) as bot:
        msg = await bot.send_message(
            42, "<b>Digest</b> 你好", parse_mode="HTML", reply_markup=keyboard,
            link_preview_options=LinkPreviewOptions(is_disabled=True))
        second = await bot.send_message(42, "plain", disable_web_page_preview=True)
        assert (msg.message_id, second.message_id) == (1, 2)
        assert msg.chat.type == "private"
        assert msg.from_user is not None and msg.from_user.is_bot
        assert msg.reply_markup == keyboard
        edited = await bot.edit_message_text("edited", chat_id=42, message_id=msg.message_id)
        assert isinstance(edited, type(msg)) and edited.text == "edited"
        assert edited.reply_markup is None
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("edited", chat_id=42, message_id=msg.message_id)
        with pytest.raises(BadRequest, match="not found"):
            await bot.edit_message_text("x", chat_id=42, message_id=99)
        group = await bot.send_message(-1001234, "to channel")
        assert group.chat.type == "channel"
        markup = await bot.edit_message_reply_markup(42, second.message_id, reply_markup=keyboard)
        assert isinstance(markup, type(msg)) and markup.reply_markup == keyboard
        assert await bot.delete_message(42, second.message_id)
        with pytest.raises(BadRequest, match="not found"):
            await bot.delete_message(42, second.message_id)

    first, plain, edit, _ = fake_api.sent(chat_id=42)
    assert first["method"] == "sendMessage" and first["text"] == "<b>Digest</b> 你好"
    assert first["parse_mode"] == "HTML"
    assert first["reply_markup"] == {
        "inline_keyboard": [[{"text": "More", "callback_data": "more:1"}]]}
    assert first["link_preview_options"] == {"is_disabled": True}
    # PTB 22 turns disable_web_page_preview into link_preview_options before sending.
    assert plain["link_preview_options"] == {"is_disabled": True} and plain["preview_disabled"]
    assert (edit["method"], edit["message_id"], edit["text"]) == ("editMessageText", 1, "edited")
    assert fake_api.calls("sendMessage")[0]["params"]["chat_id"] == 42
    assert len(fake_api.wait_for("sendMessage", count=3, timeout=1)) == 3


@pytest.mark.asyncio
async def test_get_updates_and_callbacks(fake_api: FakeBotAPI) -> None:
    first = fake_api.push_command("/digest@DigestTestBot 3", user_id=7)
    async with make_bot(fake_api) as bot:
        updates = await bot.get_updates(timeout=1)
        assert [u.update_id for u in updates] == [first]
        message = updates[0].message
        assert message is not None and message.text == "/digest@DigestTestBot 3"
        assert message.chat.id == 7 and message.from_user.language_code == "zh-hans"
        assert message.parse_entities() == {message.entities[0]: "/digest@DigestTestBot"}

        sent = await bot.send_message(7, "pick", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("A", callback_data="a")]]))
        second = fake_api.push_callback("a", fake_api.sent()[-1])
        updates = await bot.get_updates(offset=first + 1, timeout=1)
        assert [u.update_id for u in updates] == [second]
        query = updates[0].callback_query
        assert query is not None and query.data == "a"
        assert query.message is not None and query.message.message_id == sent.message_id
        assert await query.answer("ok")
        assert fake_api.answered_callbacks()[0]["text"] == "ok"

        # The offset confirmed update `first`; an empty long poll returns after ~1 s cap.
        assert await bot.get_updates(offset=second + 1, timeout=5) == ()
        fake_api.push_inline_query("news", user_id=7)
        group = fake_api.push_command("/start", chat_type="group")
        updates = await bot.get_updates(offset=second + 1)
        assert updates[0].inline_query is not None and updates[0].inline_query.query == "news"
        assert await updates[0].inline_query.answer([])
        assert updates[1].update_id == group and updates[1].message.chat.type == "group"

        # A long poll wakes up as soon as another thread pushes an update.
        timer = threading.Timer(0.2, fake_api.push_command, args=("/late",))
        timer.start()
        started = time.monotonic()
        updates = await bot.get_updates(offset=group + 1, timeout=5)
        assert [u.message.text for u in updates] == ["/late"]
        assert time.monotonic() - started < 0.9


@pytest.mark.asyncio
async def test_commands_and_webhook(fake_api: FakeBotAPI) -> None:
    async with make_bot(fake_api) as bot:
        assert await bot.set_my_commands([("digest", "Get digest")])
        assert await bot.set_my_commands([("digest", "获取摘要")], language_code="zh-hans")
        assert [c.command for c in await bot.get_my_commands()] == ["digest"]
        assert await bot.set_webhook("https://example.com/hook", secret_token="s3")
        info = await bot.get_webhook_info()
        assert info.url == "https://example.com/hook"
        assert fake_api.webhook["secret_token"] == "s3"
        assert await bot.delete_webhook(drop_pending_updates=True)
        assert await bot.send_chat_action(5, "typing")
        assert (await bot.get_chat(5)).type == "private"
    assert fake_api.commands == [{"command": "digest", "description": "Get digest"}]
    assert fake_api.commands_for("zh-hans")[0]["description"] == "获取摘要"


@pytest.mark.asyncio
async def test_files(fake_api: FakeBotAPI) -> None:
    content = bytes(range(256)) * 10 + "中文".encode()
    document = fake_api.add_file("doc-1", content, "报告 1.pdf", "application/pdf")
    fake_api.push_document("doc-1", chat_id=9, user_id=9, caption="please digest")
    async with make_bot(fake_api) as bot:
        update = (await bot.get_updates())[0]
        assert update.message is not None and update.message.document is not None
        assert update.message.document.file_name == "报告 1.pdf"
        assert update.message.caption == "please digest"
        file = await bot.get_file(document["file_id"])
        assert file.file_size == len(content)
        assert await file.download_as_bytearray() == content

        upload = b"\x00\r\n--binary\r\n" * 100
        sent = await bot.send_document(9, upload, filename="digest.txt", caption="<i>hi</i>",
                                       parse_mode="HTML")
        assert sent.document is not None and sent.document.file_name == "digest.txt"
        assert fake_api.file_content(sent.document.file_id) == upload
        assert fake_api.sent()[-1]["caption"] == "<i>hi</i>"
        photo = await bot.send_photo(9, "doc-1")
        assert photo.photo[0].file_id == "doc-1"
        with pytest.raises(BadRequest, match="(?i)invalid file_id"):
            await bot.get_file("missing")


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_retry_after(fake_api: FakeBotAPI) -> None:
    fake_api.fail_next("sendMessage", retry_after=2)
    async with make_bot(fake_api) as bot:
        with pytest.raises(RetryAfter) as excinfo:
            await bot.send_message(1, "flood")
        retry_after = excinfo.value.retry_after
        if isinstance(retry_after, dtm.timedelta):
            retry_after = retry_after.total_seconds()
        assert retry_after == 2
        assert fake_api.sent() == []
        await bot.send_message(1, "after flood")
    statuses = [c["status"] for c in fake_api.calls("sendMessage")]
    assert statuses == [429, 200]
    assert [e["text"] for e in fake_api.sent()] == ["after flood"]


@pytest.mark.asyncio
async def test_drop_and_custom_errors(fake_api: FakeBotAPI) -> None:
    fake_api.drop_next("sendMessage")
    fake_api.fail_with("sendMessage", 403, "Forbidden: bot was blocked by the user")
    async with make_bot(fake_api) as bot:
        with pytest.raises(NetworkError):  # TimedOut is a NetworkError subclass
            await bot.send_message(1, "dropped")
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(1, "blocked")
        await bot.send_message(1, "delivered")
        with pytest.raises(Exception, match="not found"):
            await bot.do_api_request("noSuchMethod")
    assert [e["text"] for e in fake_api.sent()] == ["delivered"]
    assert [c["status"] for c in fake_api.calls("sendMessage")] == [None, 403, 200]


@pytest.mark.asyncio
async def test_a_slow_call_is_answered_late_and_the_server_says_when(fake_api: FakeBotAPI) -> None:
    fake_api.slow("sendMessage", 0.2)
    fake_api.drop_next("sendMessage")
    async with make_bot(fake_api) as bot:
        with pytest.raises(NetworkError):
            await bot.send_message(1, "dropped")
        await bot.send_message(1, "late")
    dropped, late = fake_api.calls("sendMessage")
    assert "answered" not in dropped  # closed without an answer
    assert late["answered"] >= late["time"] + 0.2  # taken up, then answered after the delay


@pytest.mark.skipif(sys.platform != "linux", reason="the kernel's receive timestamps are Linux's")
def test_a_requests_time_is_when_it_reached_the_server_not_when_it_was_read() -> None:
    with socket.socket() as listener:  # as the fake server listens
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setsockopt(socket.SOL_SOCKET, fake_bot_api._SO_TIMESTAMPING,
                            fake_bot_api._TIMESTAMPING)
        with socket.create_connection(listener.getsockname()) as client:
            connection, _ = listener.accept()
            with connection:
                sent = time.time()
                client.sendall(b"GET / HTTP/1.0\r\n\r\n")
                time.sleep(0.3)  # read late, as on a busy machine
                arrived = fake_bot_api._arrival(connection)
                assert connection.recv(100).startswith(b"GET / ")  # (nothing consumed)
    assert sent <= arrived < sent + 0.3


@pytest.mark.asyncio
async def test_wrong_token(fake_api: FakeBotAPI) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(fake_api, token="999:WRONG"):
            pass
    assert fake_api.calls("getMe")[0]["status"] == 401


def test_raw_http_bodies(fake_api: FakeBotAPI) -> None:
    def post(method: str, data: bytes, ctype: str, token: str = TOKEN) -> dict:
        request = urllib.request.Request(f"{fake_api.base_url}{token}/{method}", data=data,
                                         headers={"Content-Type": ctype})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return json.loads(exc.read())

    form = urllib.parse.urlencode({"chat_id": "-4001", "text": "123",
                                   "disable_web_page_preview": "true"}).encode()
    result = post("sendMessage", form, "application/x-www-form-urlencoded")["result"]
    assert result["chat"]["type"] == "group" and result["text"] == "123"
    body = json.dumps({"chat_id": 5, "text": "json", "reply_markup": {"keyboard": [["a"]]}})
    assert "reply_markup" not in post("sendmessage", body.encode(), "application/json")["result"]
    legacy, as_json = fake_api.sent()
    assert legacy["disable_web_page_preview"] is True and legacy["preview_disabled"]
    assert as_json["reply_markup"] == {"keyboard": [["a"]]}
    assert post("nope", b"", "text/plain")["description"] == "Not Found: method not found"
    assert post("getMe", b"", "text/plain", token="1:X")["error_code"] == 401


def test_wait_for_timeout_summary(fake_api: FakeBotAPI) -> None:
    with pytest.raises(AssertionError, match="waiting for 1 x sendMessage"):
        fake_api.wait_for("sendMessage", timeout=0.1)


@pytest.mark.asyncio
async def test_refuses_what_telegram_refuses(fake_api: FakeBotAPI) -> None:
    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data=data)]])

    async with make_bot(fake_api) as bot:
        # 4,096 UTF-16 code units after entity parsing: tags do not count, entities count once,
        # an emoji outside the BMP counts twice.
        fits = await bot.send_message(1, "<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
        await bot.send_message(1, "😀" * 2048)
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(1, "😀" * 2048 + "x")
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(1, "<b>" + "&lt;" * 4097 + "</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.edit_message_text("x" * 4097, chat_id=1, message_id=fits.message_id)
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.edit_message_text("x" * 4097, inline_message_id="inline-1")
        await bot.send_document(1, b"doc", filename="a.txt", caption="c" * 1024)
        with pytest.raises(BadRequest, match="Message caption is too long"):
            await bot.send_document(1, b"doc", filename="a.txt", caption="c" * 1025)

        # callback_data: 1-64 bytes (UTF-8), in sent and edited messages and inline results.
        await bot.send_message(1, "ok", reply_markup=keyboard("字" * 21 + "a"))
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(1, "long", reply_markup=keyboard("字" * 22))
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.edit_message_reply_markup(1, fits.message_id, reply_markup=keyboard(
                "x" * 65))
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.edit_message_reply_markup(inline_message_id="inline-1",
                                                reply_markup=keyboard("x" * 65))
        fake_api.push_inline_query("q")
        (update,) = await bot.get_updates(timeout=1)
        query = update.inline_query
        assert query is not None
        result = InlineQueryResultArticle("1", "t", InputTextMessageContent("x"),
                                          reply_markup=keyboard("x" * 65))
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await query.answer([result])
        with pytest.raises(BadRequest, match="Message_too_long"):
            await query.answer([InlineQueryResultArticle(
                "1", "t", InputTextMessageContent("x" * 4097))])
        assert await query.answer([InlineQueryResultArticle(
            "1", "t", InputTextMessageContent("x" * 4096), reply_markup=keyboard("x" * 64))])

        # Callback query answers: 0-200 characters; a refused answer leaves the query open.
        callback = fake_api.push_callback("a", fake_api.sent()[0])
        (update,) = await bot.get_updates(offset=callback, timeout=1)
        assert update.callback_query is not None
        with pytest.raises(BadRequest, match="Message_too_long"):
            await update.callback_query.answer("x" * 201)
        assert await update.callback_query.answer("x" * 200)
    assert [len(a["text"]) for a in fake_api.answered_callbacks()] == [200]
