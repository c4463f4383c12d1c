"""`python app.py`: serve paperchat's UI and API on http://127.0.0.1:7860."""

from paperchat.cli import app

if __name__ == "__main__":
    import sys

    sys.argv = [sys.argv[0], "serve", *sys.argv[1:]]
    app()
