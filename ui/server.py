"""Start the dashboard (`python -m ui.server [streamlit options]`): `streamlit run app.py`, deep links safe.

Pages are listed explicitly with st.navigation. Streamlit still has a legacy mode that runs a file of
`pages/` directly when the first request after a server start is a deep link (a bookmarked
`/partners?scope=…`), before app.py has called st.navigation once; that request would then miss the
shared filters. The flag below switches the legacy mode off for this server process (checked by the
browser test, which opens a deep link first).
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parent.parent / "app.py"


def main() -> None:
    """Run Streamlit on app.py with any extra command-line options passed through."""
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
