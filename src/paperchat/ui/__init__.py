"""The chat UI (Gradio), mounted at `/` of the API server: `paperchat.ui.app.mount_ui`.

Gradio reads GRADIO_ANALYTICS_ENABLED when it is imported; this package sets it first so
the UI never phones home (the machine may have no internet at all).
"""

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
