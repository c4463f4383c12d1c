"""paperchat: a chat assistant over a corpus of research papers, with verified citations."""

__version__ = "0.1.0"
