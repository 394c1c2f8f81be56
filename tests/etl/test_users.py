"""The user store: salted hashes, throttled failures, audit lines, no password anywhere on disk."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from etl import users

T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def test_hashes_are_salted_and_passwords_never_stored(tmp_path):
    store = tmp_path / "users.json"
    users.add("a", "HB", "secret-123", path=store)
    users.add("b", "HB", "secret-123", path=store)
    data = json.loads(store.read_text())
    assert data["a"]["password_hash"] != data["b"]["password_hash"]  # same password, different salt
    assert "secret-123" not in store.read_text()
    assert data["a"]["password_hash"].startswith("$argon2")
    assert (store.stat().st_mode & 0o777) == 0o600


def test_verify_and_the_growing_wait_after_repeated_failures(tmp_path):
    store = tmp_path / "users.json"
    users.add("hebei", "P13", "right-password", path=store)
    assert users.verify("hebei", "right-password", path=store, now=T0) == ("P13", "")
    for i in range(3):  # three free failures
        assert users.verify("hebei", "wrong", path=store, now=T0 + dt.timedelta(seconds=i))[0] is None
    # the third failure starts a 5-second wait: even the right password is refused inside it
    account, reason = users.verify("hebei", "right-password", path=store, now=T0 + dt.timedelta(seconds=3))
    assert account is None and "秒后再试" in reason
    assert users.verify("hebei", "wrong", path=store, now=T0 + dt.timedelta(seconds=8))[0] is None  # 4th: 10 s
    assert users.verify("hebei", "right-password", path=store, now=T0 + dt.timedelta(seconds=12))[0] is None
    assert users.verify("hebei", "right-password", path=store, now=T0 + dt.timedelta(seconds=19)) == ("P13", "")
    assert json.loads(store.read_text())["hebei"]["failures"] == 0  # a success resets the count


def test_unknown_user_and_bad_input(tmp_path):
    store = tmp_path / "users.json"
    assert users.verify("nobody", "x", path=store) == (None, "用户名或密码不正确")
    with pytest.raises(users.UserError):
        users.add("Bad Name", "HB", "long-enough", path=store)
    with pytest.raises(users.UserError):
        users.add("ok", "HB", "short", path=store)


def test_audit_log_lines(tmp_path):
    store = tmp_path / "users.json"
    users.audit("export", user="hebei", account="P13", scope="P13-130100", detail="图.png", path=store)
    line = json.loads((tmp_path / "audit.log").read_text().splitlines()[0])
    assert (line["event"], line["user"], line["scope"], line["detail"]) == ("export", "hebei", "P13-130100", "图.png")
