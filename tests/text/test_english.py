from paperchat.text.english import everyday


def test_everyday_words_are_told_from_the_words_that_name_a_detail():
    assert all(everyday(w) for w in ["earlier", "save", "keep", "Earlier"])
    assert not any(everyday(w) for w in ["GPUs", "epochs", "hyperparameter", "batch", "PyTorch"])
