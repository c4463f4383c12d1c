"""Prompt templates, one file each, shipped inside the wheel (see paperchat.answer.prompts)."""
