"""Evals: datasets as files, small pure scorers, and a runner that writes a report.

Evals are not tests: they measure how well paperchat grounds its answers, retrieves and
abstains, on `evals/questions.jsonl`. A fast subset runs in the test suite as a gate.
"""
