"""Research views over the corpus that go past one answer: the evidence table of a topic."""
