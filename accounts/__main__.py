"""Command line: `python -m accounts {add,passwd,remove,list,demo}` manages the dashboard's users."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import users


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and carry out one action on the user store."""
    parser = argparse.ArgumentParser(prog="python -m accounts", description="管理看板用户（每个用户绑定一个账号）")
    parser.add_argument("action", choices=["add", "passwd", "remove", "list", "demo"])
    parser.add_argument("--username")
    parser.add_argument("--account", help="绑定的账号ID（CN = 全国）")
    parser.add_argument("--warehouse", type=Path, help="检查账号是否在该数据仓库中")
    parser.add_argument("--store", type=Path, help="用户文件（默认 $ISTC_USERS 或 data/users/users.json）")
    args = parser.parse_args(argv)

    store = args.store or users.store_path()
    try:
        if args.action == "list":
            for name, rec in sorted(users.load(store).items()):
                print(f"{name}\t{rec['account_id']}\t创建于 {rec['created_at'][:10]}")
            return 0
        if args.action == "demo":
            users.ensure_demo_users(store)
            print(f"演示用户已就绪：{store}")
            return 0
        if not args.username:
            raise users.UserError("请用 --username 指定用户名")
        if args.action == "remove":
            users.remove(args.username, path=store)
        elif args.action in ("add", "passwd"):
            account = args.account or (users.account_of(args.username, path=store) if args.action == "passwd" else None)
            if not account:
                raise users.UserError("请用 --account 指定绑定的账号ID")
            if args.warehouse is not None:
                _check_account(args.warehouse, account)
            users.add(args.username, account, _read_password(), path=store, replace=args.action == "passwd")
        users.audit(f"user_{args.action}", user="（命令行）", account=args.account, detail=args.username, path=store)
        print(f"完成：{args.action} {args.username}")
        return 0
    except users.UserError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2


def _read_password() -> str:
    """Prompt twice on a terminal; read one line from standard input otherwise (for scripts)."""
    import getpass

    if sys.stdin.isatty():
        first, second = getpass.getpass("密码："), getpass.getpass("再次输入密码：")
        if first != second:
            raise SystemExit("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\n")


def _check_account(warehouse: Path, account: str) -> None:
    """The account must be in the warehouse's published database."""
    import queries

    pointer = warehouse / "CURRENT"
    if not pointer.exists():
        raise users.UserError(f"{warehouse} 不是已发布的数据仓库")
    con = queries.connect(warehouse / pointer.read_text(encoding="utf-8").strip())
    if queries.scope_info(con, account).empty:
        raise users.UserError(f"账号 {account} 不在数据仓库中")


if __name__ == "__main__":
    sys.exit(main())
