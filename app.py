"""国际科技合作统计分析平台: page configuration, shared filters, and the explicit list of pages."""

from __future__ import annotations

import streamlit as st

from present.safe import md
from ui import auth, data, navigation, state, widgets

st.set_page_config(page_title="国际科技合作统计分析平台", page_icon="🌐", layout="wide")

PAGES = {
    section: [st.Page(f"pages/{name}.py", title=title, default=name == navigation.DEFAULT) for name, title in pages]
    for section, pages in navigation.SECTIONS.items()
}

if data.current_db() is None:
    st.title("国际科技合作统计分析平台")
    st.warning(
        f"还没有可用的数据仓库：{data.warehouse_dir()} 下没有 CURRENT 文件。\n\n"
        "演示数据：在项目目录运行 `make demo`。真实数据：`python -m etl run --inbox 收件箱 --warehouse 仓库目录`，"
        "然后设置环境变量 `ISTC_WAREHOUSE=仓库目录` 再启动看板。"
    )
    st.stop()

if data.built_by_older_code(data.current_db()):
    # The ETL rebuilds on its next run, but until then a page may ask for a column the older file lacks.
    st.warning(
        f"当前数据库（{md(data.current_db().name)}）由较早版本的程序生成，部分页面可能无法显示。"
        "请运行一次 `python -m etl run --inbox 收件箱 --warehouse 仓库目录`：没有新数据也会按新版本重建（全国规模约 2 分钟）。"
    )

user = auth.current()
# Registered before sign-in, so that a bookmarked page is still the one shown after signing in.
nav = st.navigation(PAGES, position="sidebar" if user else "hidden")
if user is None:
    auth.sign_in_page()  # stops here
auth.deliver_cookie()  # right after a sign-in: the cookie that lets it survive a reload
if not data.allowed(user.account_id):  # fail closed: a user bound to no existing account sees nothing
    st.title("国际科技合作统计分析平台")
    st.error(
        f"用户 {md(user.username)} 绑定的账号“{md(user.account_id)}”不在当前数据仓库中，无法显示数据。请联系系统管理员。"
    )
    st.button("退出登录", on_click=auth.sign_out)
    st.stop()

years = data.fetch("survey_years")
if not years:
    st.title("国际科技合作统计分析平台")
    st.info("数据仓库中还没有已提交或已审核的填报记录。填报进度和数据质量可在 ETL 运行汇总中查看。")
    st.stop()

state.init(years, root=user.account_id)
state.enforce(root=user.account_id)
if auth.mode() == "none":
    st.warning("未启用登录（ISTC_AUTH=none）：本机单人分析模式，显示全国数据。请勿在多人访问的服务器上这样运行。")
with st.sidebar:  # who is signed in, and the way out, first: below the filters they fell under a 900 px screen's fold
    account = data.fetch("scope_info", scope_id=user.account_id).iloc[0]["name_short"]
    who, out = st.columns([3, 2], vertical_alignment="center")
    who.caption(f"用户：{md(user.username)}（{md(account)}）")
    if auth.mode() == "local":
        out.button("退出登录", on_click=auth.sign_out, key="sign_out", width="stretch")
widgets.sidebar(years)
state.sync_url()
with st.sidebar.expander("关于 / 运维"):  # for operators: which published file this session reads
    st.caption(f"数据仓库文件：{md(data.current_db().name)}")
try:
    nav.run()
except data.ScopeError:  # the query layer refused a scope outside the user's subtree: say so, show nothing
    st.error("无权查看该范围的数据。")
