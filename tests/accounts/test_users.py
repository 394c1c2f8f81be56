"""The user store: salted hashes, throttled failures, audit lines, no password anywhere on disk."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from accounts import users

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


def test_the_wait_stays_capped_at_the_hundredth_failure(tmp_path, monkeypatch):
    """5 s × 2**44 overflowed timedelta at the 47th failure: no wait was recorded and guessing was free.

    The waits are what is tested, not the hash: a cheap argon2 (its parameters travel in the hash it makes) spares
    the 102 checks their deliberate ~0.2 s of CPU each."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    store = tmp_path / "users.json"
    users.add("hebei", "P13", "right-password", path=store)
    at = T0
    for _ in range(100):
        account, reason = users.verify("hebei", "wrong", path=store, now=at)
        assert (account, reason) == (None, "用户名或密码不正确")
        last, at = at, at + users.MAX_WAIT + dt.timedelta(seconds=1)  # past each wait: every attempt is checked
    assert json.loads(store.read_text())["hebei"]["failures"] == 100
    refused = users.verify("hebei", "right-password", path=store, now=last + dt.timedelta(seconds=1))
    assert refused == (None, "连续登录失败次数过多，请 900 秒后再试")  # 15 minutes from the 100th failure
    assert users.verify("hebei", "right-password", path=store, now=at) == ("P13", "")


def test_an_unknown_name_is_answered_like_a_real_one_after_repeated_failures(tmp_path):
    """After 3 wrong passwords a real user is told to wait: so is a name that is not a user (no enumeration)."""
    store = tmp_path / "users.json"
    users.add("hebei", "P13", "right-password", path=store)
    answers = {}
    for name in ("hebei", "no-such-user"):
        answers[name] = [users.verify(name, "wrong", path=store, now=T0 + dt.timedelta(seconds=i)) for i in range(5)]
    assert answers["hebei"] == answers["no-such-user"]
    assert answers["hebei"][3] == (None, "连续登录失败次数过多，请 5 秒后再试")  # the 3rd failure (at 2 s) set 5 s
    assert "no-such-user" not in json.loads(store.read_text())  # remembered in memory only


def test_user_store_and_audit_log_are_never_readable_by_others(tmp_path, monkeypatch):
    """The rewritten store's temporary copy holds every hash: it is created 0600, like the store and audit.log."""
    import os

    from etl import store as store_module

    old = os.umask(0o022)
    try:
        modes = []
        real_replace = os.replace

        def replace(src, dst):
            modes.append(os.stat(src).st_mode & 0o777)
            return real_replace(src, dst)

        monkeypatch.setattr(store_module.os, "replace", replace)
        store = tmp_path / "users.json"
        users.add("hebei", "P13", "right-password", path=store)
        users.audit("sign_in", user="hebei", account="P13", path=store)
        assert modes == [0o600]
        assert (store.stat().st_mode & 0o777, (tmp_path / "audit.log").stat().st_mode & 0o777) == (0o600, 0o600)
    finally:
        os.umask(old)


def test_command_line_creates_lists_and_removes_users(tmp_path, capsys, monkeypatch):
    """`python -m accounts` (make demo calls `demo`): what it prints, and the store it leaves."""
    from accounts.__main__ import main

    store = tmp_path / "users.json"
    assert main(["demo", "--store", str(store)]) == 0
    assert main(["list", "--store", str(store)]) == 0
    listed = [line.split("\t")[:2] for line in capsys.readouterr().out.splitlines()[1:]]
    assert listed == [["hebei", "P13"], ["ministry", "CN"], ["shijiazhuang", "P13-130100"]]
    assert main(["remove", "--store", str(store)]) == 2
    assert capsys.readouterr().err == "错误：请用 --username 指定用户名\n"
    monkeypatch.setattr("sys.stdin", io.StringIO("new-password-1\n"))
    assert main(["passwd", "--username", "hebei", "--store", str(store)]) == 0
    assert users.verify("hebei", "new-password-1", path=store) == ("P13", "")
    assert main(["remove", "--username", "hebei", "--store", str(store)]) == 0
    assert sorted(json.loads(store.read_text())) == ["ministry", "shijiazhuang"]


def test_the_etl_command_line_points_to_the_new_one(capsys):
    """Scripts written for `python -m etl users …` learn where user management went instead of "invalid choice"."""
    from etl.__main__ import main

    assert main(["users", "add", "--username", "hebei"]) == 2
    assert capsys.readouterr().err == "错误：看板用户管理已改为 python -m accounts add --username hebei\n"


def test_a_sign_in_checked_while_the_password_changes_is_refused(tmp_path, monkeypatch):
    # The hash is checked outside the store's locks (sign-ins no longer queue behind each other's hash): a password
    # changed by the operator meanwhile must not let the old one in, nor may the store lose the change.
    store = tmp_path / "users.json"
    users.add("hebei", "P13", "old-password", path=store)
    real = users._hasher

    class ChangedMeanwhile:
        hash = staticmethod(real.hash)

        def verify(self, stored_hash, password):
            users.add("hebei", "P13", "new-password", path=store, replace=True)
            return real.verify(stored_hash, password)

    monkeypatch.setattr(users, "_hasher", ChangedMeanwhile())
    assert users.verify("hebei", "old-password", path=store) == (None, "用户名或密码不正确")
    monkeypatch.setattr(users, "_hasher", real)
    assert users.verify("hebei", "new-password", path=store) == ("P13", "")
    assert users.verify("hebei", "old-password", path=store)[0] is None
