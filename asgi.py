"""The server `python -m ui.server` runs: Streamlit's own Starlette app for app.py (st.App), plus one route.

The route (ui/sessions.py) sets the HttpOnly session cookie that lets a sign-in survive a reload; Streamlit's
script cannot set such a cookie itself. `streamlit run asgi.py` finds `app` below and serves it with uvicorn,
with every Streamlit option and route unchanged. `streamlit run app.py` still works, only without that route
(a reload then asks for the password again).
"""

from pathlib import Path

from streamlit.starlette import App

from ui import sessions

app = App(Path(__file__).resolve().parent / "app.py", routes=sessions.routes())
