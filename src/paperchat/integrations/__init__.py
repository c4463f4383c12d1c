"""paperchat as a retriever inside other frameworks: `paperchat.integrations.llama_index`
and `paperchat.integrations.langchain` (`pip install paperchat[langchain]`).

Both search a local index (the same `Settings` as the CLI) or a running paperchat server
(`url=`, with `api_key=` when it sets PAPERCHAT_API_KEY); each hit is one paper.
"""
