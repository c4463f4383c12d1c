"""The map of the corpus: topic clusters with labels and counts, a 2-D layout of the
papers from their vectors, and papers per year (models.py: the shape; build.py: how)."""
